package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A revocation's or a close's commit does not count on an asynchronous commit still under way: that commit may fail
 * after the final one was made, and nothing would commit its offsets again (the next owner would run everything
 * acknowledged since the last commit). Before, the close's wait for it could end early (a wakeup left pending), and a
 * revocation did not wait at all: both then found nothing to commit. A {@link MockConsumer} stands in for the broker,
 * holding the asynchronous commit's answer.
 */
class FinalCommitAfterAsyncTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);

    private final HeldAsync consumer = new HeldAsync();
    private final PartitionTrackers trackers = new PartitionTrackers("t");
    private final Committer committer = new Committer(consumer, trackers, new ConsumerSignals(), Duration.ZERO,
            Duration.ofSeconds(5));

    @BeforeEach
    void asyncCommitUnderWay() {
        consumer.assign(List.of(P0));
        var tracker = trackers.receivedAll(0, new long[] {0, 1, 2}, 3);
        tracker.acked(0);
        tracker.acked(1);
        tracker.acked(2);
        committer.commitIfDue(); // asks for offset 3, asynchronously; its answer is held
        assertThat(consumer.heldCallbacks).hasSize(1);
    }

    @Test
    void aClosesCommitShouldCommitWhatAnAsynchronousCommitUnderWayAskedForEvenIfAWakeupEndsItsWait() {
        consumer.wakeupsOnSync.set(1); // the close's wakeup, left pending

        committer.commitThroughRebalance(ms -> { });
        failHeldCommits();

        assertThat(consumer.syncCommits).as("offset 3 committed by the close itself").contains(Map.of(P0,
                new OffsetAndMetadata(3, "")));
    }

    @Test
    void aRevocationsCommitShouldCommitWhatAnAsynchronousCommitUnderWayAskedFor() {
        committer.commitSync(List.of(0));
        failHeldCommits();

        assertThat(consumer.syncCommits).contains(Map.of(P0, new OffsetAndMetadata(3, "")));
    }

    @Test
    void aFinalCommitShouldNotSendAgainWhatAnsweredAsynchronousCommitsCommitted() {
        consumer.heldCallbacks.forEach(c -> c.onComplete(Map.of(P0, new OffsetAndMetadata(3, "")), null));

        committer.commitThroughRebalance(ms -> { });
        committer.commitSync(List.of(0)); // the revocation a consumer's close makes as it leaves

        assertThat(consumer.syncCommits).as("offset 3 is committed already").isEmpty();
    }

    /** The held asynchronous commit fails, after the final commit. */
    private void failHeldCommits() {
        consumer.heldCallbacks.forEach(c -> c.onComplete(Map.of(P0, new OffsetAndMetadata(3, "")),
                new RetriableCommitFailedException("the coordinator moved")));
    }

    /** A consumer that holds the answers to asynchronous commits, and whose synchronous ones a wakeup may end. */
    private static final class HeldAsync extends MockConsumer<byte[], byte[]> {
        final List<OffsetCommitCallback> heldCallbacks = new ArrayList<>();
        final List<Map<TopicPartition, OffsetAndMetadata>> syncCommits = new ArrayList<>();
        final AtomicInteger wakeupsOnSync = new AtomicInteger();

        HeldAsync() {
            super("earliest");
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            if (callback == null) { // the mock's own commitSync commits through here
                super.commitAsync(offsets, null);
                return;
            }
            heldCallbacks.add(callback);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            if (wakeupsOnSync.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new WakeupException();
            }
            if (!offsets.isEmpty()) {
                syncCommits.add(Map.copyOf(offsets));
            }
            super.commitSync(offsets, timeout);
        }
    }
}
