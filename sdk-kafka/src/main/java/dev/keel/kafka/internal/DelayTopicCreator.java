package dev.keel.kafka.internal;

import dev.keel.DelayTooLongException;
import dev.keel.KeelException;
import dev.keel.TopologyException;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a topic's delay topic the first time this producer sends a delayed record to it (like the topic:
 * partitions, replication, {@code min.insync.replicas}, and its limits: {@link DelayTopicLimits}; never compacted),
 * or brings an existing one's limits in step with the topic's, and then tells {@code onReady} (the topic's name),
 * so that this adapter's subscriptions of the topic start their delay forwarders at once. Afterwards a delayed send
 * reads the topic's limits again when they are older than {@code checkInterval} (in the background: that send is
 * checked against the limits known), and changes the delay topic where they differ, so that a limit an operator
 * changes on the topic reaches the delay topic within an interval of the next delayed publish. A record the topic
 * refuses whatever the delay topic's settings (no key, compacted topic) is refused here, and so is every delayed
 * record while the delay topic is compacted (a {@link TopologyException} saying what to do). Thread-safe.
 */
final class DelayTopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(DelayTopicCreator.class);
    /** A delayed record is refused unless the delay topic keeps it this long past its due time. */
    private static final Duration MARGIN = Duration.ofHours(1);

    /** What is known of one topic's limits. */
    private static final class State {
        volatile DelayTopicLimits limits;
        volatile long checkedNanos = System.nanoTime();
        final AtomicBoolean checking = new AtomicBoolean();
        /** A failure to keep the delay topic in step was logged at WARN (later ones are not). */
        volatile boolean warnedNotInStep;
        /** The delay topic is compacted, as last read: delayed sends are refused until it is not. */
        volatile boolean compacted;
        /** The delay topic's {@code retention.ms} as last read or set; a longer delay is refused. */
        volatile long delayTopicRetentionMillis = Long.MAX_VALUE;

        State(DelayTopicLimits limits) {
            this.limits = limits;
        }
    }

    private final TopicAdmin admin;
    private final boolean autoCreation;
    private final Consumer<String> onReady;
    private final long checkIntervalNanos;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    DelayTopicCreator(TopicAdmin admin, boolean autoCreation, Duration checkInterval, Consumer<String> onReady) {
        this.admin = admin;
        this.autoCreation = autoCreation;
        this.checkIntervalNanos = checkInterval.toNanos();
        this.onReady = onReady;
    }

    /**
     * {@code record} bound for its topic's delay topic, created first if needed (blocks then).
     *
     * @throws KeelException when the delay topic cannot be made ready, or the topic refuses the record
     */
    OutboundRecord toDelayTopic(OutboundRecord record) {
        String topic = record.topic();
        State state = states.get(topic);
        if (state == null) {
            State prepared = prepare(topic);
            state = states.putIfAbsent(topic, prepared);
            if (state == null) {
                state = prepared;
                LOG.debug("Kafka delay topic of {} is ready ({})", topic, prepared.limits);
                onReady.accept(topic);
            }
        } else if (System.nanoTime() - state.checkedNanos >= checkIntervalNanos) {
            refresh(topic, state);
        }
        state.limits.check(record);
        if (state.compacted) {
            throw compacted(topic);
        }
        checkRetention(record, state.delayTopicRetentionMillis);
        return record.withTopic(DelayTopics.delayTopic(topic));
    }

    /** Refuses a delay the delay topic would not keep the record for (its retention could not be raised). */
    private static void checkRetention(OutboundRecord record, long retentionMillis) {
        long delay = record.deliverAt().toEpochMilli() - System.currentTimeMillis();
        if (retentionMillis != Long.MAX_VALUE && delay > retentionMillis - MARGIN.toMillis()) {
            throw new DelayTooLongException(record.id(), Duration.ofMillis(delay),
                    Duration.ofMillis(Math.max(0, retentionMillis - MARGIN.toMillis())),
                    "raise retention.ms of Kafka topic " + DelayTopics.delayTopic(record.topic()) + " (now "
                            + retentionMillis + " ms) to at least " + DelayTopicLimits.MIN_RETENTION.toMillis());
        }
    }

    /** The refusal of a delayed send to {@code topic} while its delay topic is compacted. */
    private static TopologyException compacted(String topic) {
        String delayTopic = DelayTopics.delayTopic(topic);
        return new TopologyException(delayTopic, "Kafka delay topic " + delayTopic + " is compacted (its "
                + "cleanup.policy contains compact): compaction would drop the waiting delayed messages of a key but "
                + "the last, so delayed publishes to " + topic + " are refused. Set cleanup.policy=delete on "
                + delayTopic + " (kafka-configs.sh --alter --entity-type topics --entity-name " + delayTopic
                + " --add-config cleanup.policy=delete), or delete it while nothing waits in it and let Keel create it"
                + "; delayed publishes are taken again within KafkaConfig.delayTopicCheckInterval of the change");
    }

    /** Forgets {@code topic}'s delay topic (it was deleted): the next delayed send ensures it again. */
    void forget(String topic) {
        states.remove(topic);
    }

    private State prepare(String topic) {
        DelayTopicLimits limits = join(limitsOf(topic));
        boolean created = admin.ensureLike(topic, DelayTopics.delayTopic(topic), autoCreation, limits.forCreation());
        State state = new State(limits);
        if (!created && limits != DelayTopicLimits.UNKNOWN) {
            try {
                join(keepInStep(topic, limits, state));
            } catch (KeelException e) {
                // logged by keepInStep; the delay topic is used as it is
            }
        }
        return state;
    }

    /** Reads the topic's limits again and brings the delay topic in step, unless a check is under way. */
    private void refresh(String topic, State state) {
        if (!state.checking.compareAndSet(false, true)) {
            return;
        }
        limitsOf(topic).thenCompose(limits -> {
            state.limits = limits;
            return limits == DelayTopicLimits.UNKNOWN ? CompletableFuture.completedFuture(null)
                    : keepInStep(topic, limits, state);
        }).whenComplete((done, error) -> {
            if (error != null) {
                LOG.debug("Checking the limits of the delay topic of {} failed (checked again later): {}", topic,
                        error.toString());
            }
            state.checkedNanos = System.nanoTime();
            state.checking.set(false);
        });
    }

    /** The topic's limits; {@link DelayTopicLimits#UNKNOWN} when it does not exist (yet). */
    private CompletionStage<DelayTopicLimits> limitsOf(String topic) {
        return admin.configs(topic).handle((configs, error) -> {
            if (error == null) {
                return DelayTopicLimits.of(configs);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof UnknownTopicOrPartitionException) {
                return DelayTopicLimits.UNKNOWN;
            }
            throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
    }

    /** Sets on the delay topic the limits of {@code limits} it differs in. */
    private CompletionStage<Void> keepInStep(String topic, DelayTopicLimits limits, State state) {
        String delayTopic = DelayTopics.delayTopic(topic);
        return admin.configs(delayTopic).thenCompose(configs -> {
            boolean compacted = configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, "")
                    .contains(TopicConfig.CLEANUP_POLICY_COMPACT);
            if (compacted && !state.compacted) {
                LOG.error("Kafka delay topic {} is compacted: compaction drops the waiting delayed messages of a key "
                        + "but the last, so delayed publishes to {} are refused (TopologyException) until its "
                        + "cleanup.policy is delete", delayTopic, topic);
            } else if (!compacted && state.compacted) {
                LOG.info("Kafka delay topic {} is no longer compacted: delayed publishes to {} are taken again",
                        delayTopic, topic);
            }
            state.compacted = compacted;
            Map<String, String> differing = limits.differences(configs);
            state.delayTopicRetentionMillis = DelayTopicLimits.retentionMillis(configs);
            if (differing.isEmpty()) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            return admin.setConfigs(delayTopic, differing).whenComplete((done, error) -> {
                if (error == null) {
                    if (differing.containsKey(TopicConfig.RETENTION_MS_CONFIG)) {
                        state.delayTopicRetentionMillis = DelayTopicLimits.MIN_RETENTION.toMillis();
                    }
                    LOG.info("Kafka delay topic {} now has {} (the limits of {}, a retention above the longest "
                            + "delay)", delayTopic, differing, topic);
                } else if (!state.warnedNotInStep) {
                    state.warnedNotInStep = true;
                    LOG.warn("Could not give Kafka delay topic {} the limits of {} ({}): {}. Delayed messages {} "
                                    + "refuses when they are due go to its dead-letter topic; allow this client to "
                                    + "alter the configuration of {}", delayTopic, topic, differing, error.toString(),
                            topic, delayTopic);
                }
            });
        });
    }

    private static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof KeelException k) {
                throw k;
            }
            throw new KeelException("Kafka failed: " + cause, cause, true);
        }
    }
}
