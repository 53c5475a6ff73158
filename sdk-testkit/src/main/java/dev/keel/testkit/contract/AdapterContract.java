package dev.keel.testkit.contract;

import dev.keel.Subscription;
import dev.keel.TopicSpec;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.Crash;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The one entry point of the broker contract for an adapter author: subclass it once in the adapter's test module,
 * annotate it with what starts the real broker (for example {@code @UsesBrokers(BrokerKind.KAFKA)}), and implement
 * its hooks. Every area of the contract then runs on that broker as a {@link Nested} class of the subclass:
 * <ul>
 *   <li>{@link Core}: ordering, crashes, outages, rebalances, dead letters, re-drive, receive-on-subscribe
 *       ({@link BrokerContractTest});</li>
 *   <li>{@link BadInput}: what the broker refuses and what it lets through ({@link BadInputContract});</li>
 *   <li>{@link ConsumerFailure}: the engine's side failing under the consumer ({@link ConsumerFailureContract});</li>
 *   <li>{@link Routing}: header filters and priorities ({@link RoutingContract});</li>
 *   <li>{@link MissingTopic}: replay and dead letters of a topic that does not exist ({@link MissingTopicContract});</li>
 *   <li>{@link DelayedDelivery}, {@link NonBlockingRetry}, {@link Replay}, {@link Broadcast}: the optional
 *       capabilities, each skipped naming the {@link dev.keel.spi.Capability} the adapter does not declare.</li>
 * </ul>
 * A mode of the adapter worth the whole contract again (another queue type, say) is a second subclass; a mode that
 * changes one area only subclasses that area's contract directly. See docs/writing-an-adapter.md.
 *
 * <p>The tests of each area may run at once ({@link Execution} on each area class, not on this one, so that the suite
 * as a whole still runs alone, never beside another test class of a module that restarts or reconfigures its
 * broker): each test has topics, groups, a store and metrics of its own. A module whose JUnit runs parallel execution
 * (Keel's adapter modules: {@code keel.test.parallel} set in each module's pom, which the root pom passes to JUnit)
 * runs two at a time; elsewhere they run one after the other. A module that also runs its classes at once
 * ({@code keel.test.parallel.classes}: sdk-testkit, whose in-memory brokers are each test's own) runs the suite beside
 * its other classes too.
 */
public abstract class AdapterContract {

    /** A new adapter on the test's real broker, configured as an application would (short timeouts are fine). */
    protected abstract BrokerAdapter createAdapter();

    /** What this adapter accepts and refuses (sizes of ids, header names and payloads). */
    protected abstract InputLimits inputLimits();

    /**
     * The longest delay this adapter accepts (as {@link #createAdapter()} configures it), or empty for no limit.
     * Not asked of an adapter that does not declare {@code DELAYED_DELIVERY}.
     */
    protected Optional<Duration> maxDelay() {
        return Optional.empty();
    }

    /**
     * Publishes one message with the broker's own client, below Keel (see
     * {@link BadInputContract#publishRaw}). The default skips the tests that need it, saying the broker has no
     * plain client.
     */
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        Assumptions.abort("this broker has no plain client to publish raw headers with (publishRaw not provided)");
    }

    /** The text a handler sees for a header value whose bytes are not UTF-8; given with {@link #publishRaw}. */
    protected String textOfNonUtf8(byte[] value) {
        throw new UnsupportedOperationException("textOfNonUtf8 must be given with publishRaw");
    }

    /** The store behind the suite's {@code FaultyIdempotencyStore}; one per test. */
    protected IdempotencyStore createStore() {
        return new InMemoryIdempotencyStore();
    }

    /** How the suite declares a topic (partitions, replication); groups are added by the suite. */
    protected TopicSpec.Builder topic(String name) {
        return TopicSpec.builder(name).partitions(BrokerContractSupport.DEFAULT_PARTITIONS);
    }

    /**
     * Whether every subscription of the suite is a share-group one ({@code SubscriptionConfig.Builder#shareGroup(true)},
     * unordered): a second subclass that returns true runs the whole contract again in that mode, for an adapter that
     * declares {@link dev.keel.spi.Capability#SHARED_CONSUMPTION}; what the mode rules out (key order, broadcast,
     * non-blocking retry, replay) skips, naming the capability.
     */
    protected boolean shareGroups() {
        return false;
    }

    /** The bound of every wait. */
    protected Duration patience() {
        return BrokerContractSupport.DEFAULT_PATIENCE;
    }

    /**
     * Makes {@code subscription} behave as if its process died ({@link Crash#crash}), and waits until its broker
     * consumer has left the group.
     */
    protected void crash(Subscription subscription) {
        try {
            Crash.crash(subscription).toCompletableFuture().get(patience().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("the crash of " + subscription + " did not complete within " + patience(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Ordering, crashes, outages, rebalances, dead letters, re-drive and receive-on-subscribe. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class Core extends BrokerContractTest {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }

    /** What the broker refuses and what it lets through, with a clear error and the channel kept healthy. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class BadInput extends BadInputContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }

        @Override
        protected InputLimits limits() {
            return inputLimits();
        }

        @Override
        protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
                throws Exception {
            AdapterContract.this.publishRaw(toTopic, key, headers, payload);
        }

        @Override
        protected String textOfNonUtf8(byte[] value) {
            return AdapterContract.this.textOfNonUtf8(value);
        }
    }

    /** The engine's side of the SPI failing under the consumer: a visible failure, nothing lost. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class ConsumerFailure extends ConsumerFailureContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }

    /** Header filters, and priorities where {@code PRIORITY} is declared. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class Routing extends RoutingContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }

    /** {@code DELAYED_DELIVERY}: never early, never lost, never twice. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class DelayedDelivery extends DelayedDeliveryContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }

        @Override
        protected Optional<Duration> maxDelay() {
            return AdapterContract.this.maxDelay();
        }
    }

    /** {@code NON_BLOCKING_RETRY}: a poison message does not hold up the messages behind it. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class NonBlockingRetry extends NonBlockingRetryContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }

    /** {@code REPLAY}: a group rewound to a time reads again from there. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class Replay extends ReplayContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }

    /** {@code BROADCAST}: every instance of a broadcast group receives every message. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class Broadcast extends BroadcastContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }

    /** Replay and dead letters of a topic that does not exist: refused naming it; no dead letter yet reads as empty. */
    @Nested
    @Execution(ExecutionMode.CONCURRENT)
    class MissingTopic extends MissingTopicContract {
        @Override
        AdapterContract owner() {
            return AdapterContract.this;
        }

        @Override
        protected BrokerAdapter createAdapter() {
            return AdapterContract.this.createAdapter();
        }
    }
}
