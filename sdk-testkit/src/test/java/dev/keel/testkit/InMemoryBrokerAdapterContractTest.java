package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.AdapterContract;
import dev.keel.testkit.contract.InputLimits;
import dev.keel.testkit.contract.InputLimits.Limit;

/**
 * The whole contract on the in-memory broker: each adapter is a new client of one broker per test, and every
 * client is {@link FaultInjectable}, so the fault tests run too. It has no size limit of its own (no refusal is
 * probed), no plain client (the raw-header tests are skipped, saying so), no maximum delay (delays run on the
 * broker's clock), and no priorities (skipped naming {@code PRIORITY}).
 */
class InMemoryBrokerAdapterContractTest extends AdapterContract {

    private static final int PROBED_BYTES = 1024 * 1024;

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }

    @Override
    protected InputLimits inputLimits() {
        return new InputLimits(Limit.notProbedAbove(PROBED_BYTES), Limit.notProbedAbove(PROBED_BYTES),
                Limit.notProbedAbove(PROBED_BYTES));
    }
}
