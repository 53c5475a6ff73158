package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits acknowledged offsets for one consumer, on its poll thread: asynchronously at most once
 * per commit interval while running, synchronously on revoke and close. Never after an abort.
 */
final class Committer {

    private static final Logger LOG = LoggerFactory.getLogger(Committer.class);
    private static final int WAKEUP_RETRIES = 3;

    private final Consumer<byte[], byte[]> consumer;
    private final PartitionTrackers trackers;
    private final ConsumerSignals signals;
    private final long intervalNanos;
    private final Duration syncTimeout;
    private long lastCommitNanos = System.nanoTime();
    /** A commit the broker refused for security (no Read on the group): the consumer stops with it. */
    private AccessRefusedException refused;

    Committer(Consumer<byte[], byte[]> consumer, PartitionTrackers trackers, ConsumerSignals signals,
              Duration interval, Duration syncTimeout) {
        this.consumer = consumer;
        this.trackers = trackers;
        this.signals = signals;
        this.intervalNanos = interval.toNanos();
        this.syncTimeout = syncTimeout;
    }

    /**
     * Commits asynchronously what advanced, when the commit interval has passed.
     *
     * @throws AccessRefusedException once Kafka refused a commit for security: committing again cannot help, and a
     *         consumer that cannot commit would hand everything it handles to the next owner again
     */
    void commitIfDue() {
        if (refused != null) {
            throw refused;
        }
        long now = System.nanoTime();
        if (signals.aborted() || now - lastCommitNanos < intervalNanos) {
            return;
        }
        lastCommitNanos = now;
        Map<TopicPartition, OffsetAndMetadata> offsets = trackers.toCommit();
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                failed(offsets, error);
                LOG.debug("Kafka offset commit failed, will retry: {}", error.toString());
            }
        });
    }

    private void failed(Map<TopicPartition, OffsetAndMetadata> offsets, Exception error) {
        trackers.commitFailed(offsets);
        if ((error instanceof AuthorizationException || error instanceof AuthenticationException) && refused == null) {
            refused = new AccessRefusedException("Kafka refused an offset commit of this consumer ("
                    + error.getMessage() + "): grant its principal Read on the group (docs/security.md) and start"
                    + " the subscription again; not retried", error);
        }
        if (error instanceof OffsetMetadataTooLarge) {
            trackers.stopRecordingDoneAbove();
            LOG.warn("The broker refused the commit metadata that records work done above the committed offset "
                    + "(offset.metadata.max.bytes below {}); commits carry offsets only from now on, and such work "
                    + "is delivered again to the next owner", OffsetRanges.MAX_CHARS);
        }
    }

    /** Commits synchronously what advanced on {@code partitions} (all owned ones when null). */
    void commitSync(Collection<Integer> partitions) {
        if (signals.aborted()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = partitions == null ? trackers.toCommit()
                : trackers.toCommit(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets, syncTimeout);
                return;
            } catch (WakeupException e) {
                if (attempt >= WAKEUP_RETRIES) {
                    trackers.commitFailed(offsets);
                    LOG.warn("Kafka offset commit interrupted by wakeups; the records after the last commit will be "
                            + "redelivered");
                    return;
                }
            } catch (KafkaException e) {
                failed(offsets, e);
                LOG.warn("Kafka offset commit failed ({}); the records after the last commit will be redelivered",
                        e.toString());
                return;
            }
        }
    }
}
