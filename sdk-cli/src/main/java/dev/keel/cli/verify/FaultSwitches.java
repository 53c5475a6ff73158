package dev.keel.cli.verify;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.faults.FaultProxy;
import dev.keel.testkit.Faults;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.LostReplyIdempotencyStore;
import java.time.Duration;

/**
 * The switches a verify run's faults turn: the store wrappers (lost claim replies, failing
 * completions, latency), the proxy in front of Redis (cut, black hole, latency), the embedded
 * broker's fault switches (dropped connection, failing dead letters, dropped member, size limit)
 * and the consumer generations (channel-close: on a real broker through each consumer's own proxy). Each fault has a {@link #start} and a
 * {@link #stop}; which switches exist depends on the broker and store.
 */
final class FaultSwitches {

    /** channel-close on a broker that can drop a group's sessions itself (Kafka); {@code null} elsewhere. */
    private final Runnable groupSessionDrop;
    private final SlowIdempotencyStore slow;
    private final FaultyIdempotencyStore failing;
    private final LostReplyIdempotencyStore lostReplies;
    private final FaultProxy proxy;
    private final Faults broker;
    private final String topic;
    private final String group;
    private final String deadLetterTopic;
    private final ConsumerGenerations generations;
    private volatile boolean recordSizeLimited;

    /**
     * @param proxy  the proxy in front of Redis, or {@code null}
     * @param broker the embedded broker's fault switches, or {@code null} on a real broker
     */
    FaultSwitches(SlowIdempotencyStore slow, FaultyIdempotencyStore failing, LostReplyIdempotencyStore lostReplies,
                  FaultProxy proxy, Faults broker, String topic, String group, String deadLetterTopic,
                  ConsumerGenerations generations, Runnable groupSessionDrop) {
        this.groupSessionDrop = groupSessionDrop;
        this.slow = slow;
        this.failing = failing;
        this.lostReplies = lostReplies;
        this.proxy = proxy;
        this.broker = broker;
        this.topic = topic;
        this.group = group;
        this.deadLetterTopic = deadLetterTopic;
        this.generations = generations;
    }

    /** On the embedded broker: refuses records above {@link SizeLimits#EMBEDDED_MAX_RECORD_BYTES}, as brokers do. */
    void limitRecordSize() {
        if (broker != null) {
            recordSizeLimited = true;
            applyRecordSizeLimit();
        }
    }

    /** Faults of the embedded broker itself: they run one at a time (clearing one clears them all). */
    static boolean isBrokerFault(FaultPlan.Fault fault) {
        return fault.kind() == FaultKind.FAILING_DEAD_LETTER
                || fault.kind() == FaultKind.NETWORK_CUT && FaultPlan.CUT_BROKER.equals(fault.flavor());
    }

    /** The claim replies lost so far. */
    long lostReplies() {
        return lostReplies.lostReplies();
    }

    void start(FaultPlan.Fault fault) {
        switch (fault.kind()) {
            case LOST_CLAIM_REPLY -> lostReplies.loseNextClaimReplies(fault.amount());
            case FAILING_DONE -> failing.failCompletions();
            case SLOW_STORE -> {
                if (proxy != null) {
                    proxy.latency(Duration.ofMillis(fault.amount()));
                } else {
                    slow.latency(Duration.ofMillis(fault.amount()));
                }
            }
            case NETWORK_CUT -> {
                switch (fault.flavor()) {
                    case FaultPlan.CUT_BROKER -> embedded().dropConnection();
                    case FaultPlan.CUT_STORE_RESET -> {
                        proxy().refuse(true);
                        proxy().cut();
                    }
                    default -> proxy().blackHole(true);
                }
            }
            case FAILING_DEAD_LETTER -> embedded().failPublishesTo(deadLetterTopic, deadLetterError(fault));
            case GRACEFUL_STOP -> generations.slowHandlers(Duration.ofMillis(fault.amount()));
            case CHANNEL_CLOSE -> generations.dropSession(fault, broker != null
                    ? () -> broker.crashMember(topic, group)
                    : groupSessionDrop); // null: the live consumer's own, its connection reset through its proxy
            case CRASH, OVERSIZED -> throw new IllegalArgumentException(fault.kind().label() + " is not switched on "
                    + "by time: crashes fire in the handler, oversized messages are published");
        }
    }

    void stop(FaultPlan.Fault fault) {
        switch (fault.kind()) {
            case LOST_CLAIM_REPLY -> lostReplies.loseNextClaimReplies(0);
            case FAILING_DONE -> failing.up();
            case SLOW_STORE -> {
                if (proxy != null) {
                    proxy.latency(Duration.ZERO);
                } else {
                    slow.latency(Duration.ZERO);
                }
            }
            case NETWORK_CUT -> {
                switch (fault.flavor()) {
                    case FaultPlan.CUT_BROKER -> embedded().restoreConnection();
                    case FaultPlan.CUT_STORE_RESET -> proxy().refuse(false);
                    default -> {
                        proxy().blackHole(false);
                        proxy().cut(); // requests and replies were lost on these: the client must not reuse them
                    }
                }
            }
            case FAILING_DEAD_LETTER -> {
                embedded().clear(); // the only way to lift a per-topic failure; brokers faults never overlap
                applyRecordSizeLimit();
            }
            case GRACEFUL_STOP -> {
                generations.stopGracefully(fault); // its running handlers finish at the speed they started with
                generations.slowHandlers(Duration.ZERO);
            }
            default -> {
                // instant faults: nothing to undo
            }
        }
    }

    private void applyRecordSizeLimit() {
        if (recordSizeLimited) {
            broker.failPublishesLargerThan(SizeLimits.EMBEDDED_MAX_RECORD_BYTES, new PublishException(
                    "record larger than the embedded broker's limit of " + SizeLimits.EMBEDDED_MAX_RECORD_BYTES
                            + " bytes (payload, key and headers): send less, or put large data elsewhere", null,
                    false));
        }
    }

    private static KeelException deadLetterError(FaultPlan.Fault fault) {
        return FaultPlan.RETRIABLE.equals(fault.flavor())
                ? new BrokerUnavailableException("dead-letter topic unavailable (injected by keel verify)", null)
                : new PublishException("dead-letter topic refuses records (injected by keel verify)", null, false);
    }

    private Faults embedded() {
        if (broker == null) {
            throw new IllegalStateException("this fault needs the embedded broker");
        }
        return broker;
    }

    private FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("this fault needs the proxy in front of Redis");
        }
        return proxy;
    }
}
