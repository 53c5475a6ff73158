package dev.keel.testkit.contract;

import dev.keel.spi.BrokerAdapter;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@link BrokerContractTest}, the contract's core half, with its tests two at a time where the module turns on JUnit's
 * parallel execution ({@code keel.test.parallel}), as {@link AdapterContract}'s areas are: the suite class itself
 * runs alone, never beside another test class of its module (unless the module runs its classes at once too, as
 * {@link AdapterContract} says). For a core contract run on its own, such as one over
 * TLS: a subclass says how to make the adapter.
 */
public abstract class ConcurrentBrokerContract {

    /** A new adapter on the test's real broker, as {@link BrokerContractTest#createAdapter()}. */
    protected abstract BrokerAdapter createAdapter();

    /** The core half's tests, two at a time. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class Core extends BrokerContractTest {
        @Override
        protected BrokerAdapter createAdapter() {
            return ConcurrentBrokerContract.this.createAdapter();
        }
    }
}
