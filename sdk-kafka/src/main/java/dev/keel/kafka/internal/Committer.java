package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.apache.kafka.common.errors.RebalanceInProgressException;
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
    /** Asynchronous commits sent and not yet answered: a final commit asks again for what they asked for. */
    private final AtomicInteger asyncUnanswered = new AtomicInteger();
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
        asyncUnanswered.incrementAndGet();
        try {
            consumer.commitAsync(offsets, (committed, error) -> {
                asyncUnanswered.decrementAndGet();
                if (error != null) {
                    failed(offsets, error);
                    LOG.debug("Kafka offset commit failed, will retry: {}", error.toString());
                }
            });
        } catch (RuntimeException e) {
            asyncUnanswered.decrementAndGet();
            trackers.commitFailed(offsets); // never sent: asked again next time
            throw e;
        }
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

    /**
     * The final commit of a close, made while the group may be rebalancing. On the classic protocol the client refuses
     * commits until the rebalance ends ({@link RebalanceInProgressException}), which needs this member's polls, so
     * {@code pollOnce} polls for at most the time given (the partitions paused, what it returns dropped) and the commit
     * is made again, until the close timeout; a partition the rebalance revokes meanwhile is committed by the
     * revocation. Before, the close gave up at the first refusal, and the next owner ran again every record handled
     * since the last commit (a probe: 732 of 10,000 under AT_LEAST_ONCE, when one member of two closed while the other
     * had just joined). The asynchronous commits under way are awaited first, where the client can, and their offsets
     * committed again whatever their answer (it may fail after this commit, with nothing committing again: the client's
     * wait skips an asynchronous commit still looking for its coordinator, and a wakeup left pending ends it); after a
     * commit it looks again until nothing is left to commit.
     */
    void commitThroughRebalance(LongConsumer pollOnce) {
        long deadline = System.nanoTime() + syncTimeout.toNanos();
        awaitAsyncCommits(deadline);
        forgetRequestedIfUnanswered(null);
        while (!signals.aborted()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = trackers.toCommit();
            long left = deadline - System.nanoTime();
            if (offsets.isEmpty()) {
                return;
            }
            if (left <= 0) {
                trackers.commitFailed(offsets);
                LOG.warn("Kafka offset commit failed: the group was still rebalancing at the close timeout ({} ms); "
                        + "the records after the last commit will be redelivered", syncTimeout.toMillis());
                return;
            }
            try {
                consumer.commitSync(offsets, Duration.ofNanos(left));
            } catch (RebalanceInProgressException e) {
                trackers.commitFailed(offsets); // asked again next round
                LOG.debug("Kafka offset commit of a closing consumer waits for its group's rebalance to end");
                pollOnce.accept(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (WakeupException e) {
                trackers.commitFailed(offsets); // a wakeup left pending by the close: consumed, try again
            } catch (OffsetMetadataTooLarge e) {
                failed(offsets, e); // asked again next round, offsets only
            } catch (KafkaException e) {
                failed(offsets, e);
                LOG.warn("Kafka offset commit failed ({}); the records after the last commit will be redelivered",
                        e.toString());
                return;
            }
        }
    }

    /**
     * While an asynchronous commit is unanswered, forgets which offsets were asked for, so that a final commit asks for
     * them again (that commit may yet fail); when none is, what was asked for was committed, and is not sent twice.
     */
    private void forgetRequestedIfUnanswered(Collection<Integer> partitions) {
        if (asyncUnanswered.get() > 0) {
            trackers.forgetRequested(partitions);
        }
    }

    /**
     * Waits (until {@code deadline}) for the asynchronous commits under way, so that their callbacks have run; a wakeup
     * left pending (by the close) is consumed and the wait made again.
     */
    private void awaitAsyncCommits(long deadline) {
        for (int attempt = 1; attempt <= WAKEUP_RETRIES; attempt++) {
            try {
                consumer.commitSync(Map.of(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                return;
            } catch (WakeupException e) {
                LOG.debug("A wakeup ended the wait for the asynchronous commits under way at the close; waiting again");
            } catch (KafkaException e) {
                LOG.debug("Waiting for the asynchronous commits under way at the close: {}", e.toString());
                return;
            }
        }
    }

    /**
     * Commits synchronously the offsets of {@code partitions} (all owned ones when null), also those an asynchronous
     * commit still under way asked for (its answer may yet be a failure, and the partitions are about to go). A commit
     * whose metadata the broker refuses as too large is made again at once, with offsets only.
     */
    void commitSync(Collection<Integer> partitions) {
        if (signals.aborted()) {
            return;
        }
        forgetRequestedIfUnanswered(partitions);
        Map<TopicPartition, OffsetAndMetadata> offsets = partitions == null ? trackers.toCommit()
                : trackers.toCommit(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets, syncTimeout);
                return;
            } catch (OffsetMetadataTooLarge e) {
                failed(offsets, e);
                offsets = partitions == null ? trackers.toCommit() : trackers.toCommit(partitions);
                if (offsets.isEmpty()) {
                    return;
                }
                if (attempt >= WAKEUP_RETRIES) {
                    trackers.commitFailed(offsets);
                    return;
                }
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
