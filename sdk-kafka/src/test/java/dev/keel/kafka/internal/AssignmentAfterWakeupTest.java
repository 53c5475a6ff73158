package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

/**
 * A partition assigned while a wakeup is pending (the engine resumes fetching, which wakes the consumer, also during a
 * rebalance's callbacks) still gets what its previous owner recorded as done above its commit: before, the wakeup
 * interrupted the read of the committed offsets, the handler went without them, and that work ran again. A
 * {@link MockConsumer} stands in for the broker, to throw the wakeup exactly there.
 */
class AssignmentAfterWakeupTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);

    @Test
    void workThePreviousOwnerRecordedAsDoneShouldNotRunAgainWhenAWakeupInterruptsTheReadOfTheCommits() {
        WakingConsumer consumer = new WakingConsumer();
        consumer.assign(List.of(P0));
        // the previous owner committed 0 and recorded 1 to 9 as done
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, OffsetRanges.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9})
                .toMetadata(0))));
        PartitionTrackers trackers = new PartitionTrackers("t");
        ConsumerSignals signals = new ConsumerSignals();
        RebalanceHandler handler = new RebalanceHandler(consumer, new IdleSink(), trackers,
                new Committer(consumer, trackers, signals, Duration.ofSeconds(1), Duration.ofSeconds(5)), signals,
                Duration.ofSeconds(1), ids -> { }, StartPositions.none());
        consumer.wakeupOnNextRead.set(1);

        handler.onPartitionsAssigned(List.of(P0));

        assertThat(consumer.wakeupOnNextRead).as("the wakeup came").hasValue(0);
        assertThat(trackers.doneBefore(0, 1)).as("1 is done: not run again").isTrue();
        assertThat(trackers.doneBefore(0, 9)).isTrue();
        assertThat(trackers.doneBefore(0, 0)).isFalse();
    }

    @Test
    void theClosesWakeupShouldNotMakeTheAssignmentReadTheCommitsAgain() {
        WakingConsumer consumer = new WakingConsumer();
        consumer.assign(List.of(P0));
        PartitionTrackers trackers = new PartitionTrackers("t");
        ConsumerSignals signals = new ConsumerSignals();
        RebalanceHandler handler = new RebalanceHandler(consumer, new IdleSink(), trackers,
                new Committer(consumer, trackers, signals, Duration.ofSeconds(1), Duration.ofSeconds(5)), signals,
                Duration.ofSeconds(1), ids -> { }, StartPositions.none());
        signals.close();
        consumer.wakeupOnNextRead.set(1);

        handler.onPartitionsAssigned(List.of(P0));

        assertThat(consumer.reads).as("one read, ended by the close's wakeup").hasValue(1);
    }

    /** A consumer whose next reads of the committed offsets are interrupted by a wakeup. */
    private static final class WakingConsumer extends MockConsumer<byte[], byte[]> {
        final AtomicInteger wakeupOnNextRead = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();

        WakingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
                                                                             Duration timeout) {
            reads.incrementAndGet();
            if (wakeupOnNextRead.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new WakeupException();
            }
            return super.committed(partitions, timeout);
        }
    }

    private static final class IdleSink implements DeliverySink {
        @Override
        public void accept(List<InboundRecord> records) {
        }

        @Override
        public CompletionStage<Void> revoke(Collection<String> partitions) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
