package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the poll loop says it has read to the end of a topic ({@code caughtUp}, which ends a dead-letter read at once):
 * only when it owns every partition of the topic and each one's lag is known and exactly nothing. A lag the consumer
 * does not know yet (no fetch answered for the partition), a partition another member owns, or a lag that others
 * would cancel in a sum must keep it false, or a read could end with letters unread. {@link MockConsumer} stands in
 * for the broker so each case is exact: a real consumer's lags are known only after its fetches, which a test on a
 * real broker can pin only by timing.
 */
class PollLoopCaughtUpTest {

    private static final String TOPIC = "letters.DLT";
    private static final int PARTITIONS = 3;
    private static final Duration BOUND = Duration.ofSeconds(30);

    private final LagConsumer consumer = new LagConsumer();
    private final ConsumerSignals signals = new ConsumerSignals();
    private final FetchProgress progress = new FetchProgress();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final CountingSink sink = new CountingSink();

    @AfterEach
    void stop() {
        signals.close();
        consumer.wakeup();
        done.orTimeout(30, TimeUnit.SECONDS).join();
    }

    @Test
    void everyPartitionOwnedAndEachLagKnownToBeNothingShouldBeCaughtUp() {
        start(PARTITIONS);
        consumer.lags(0L, 0L, 0L);

        await().atMost(BOUND).until(progress::caughtUp);
    }

    @Test
    void aPartitionWhoseLagIsNotKnownYetShouldNotBeCaughtUp() {
        start(PARTITIONS);
        consumer.lags(0L, null, 0L);

        assertNotCaughtUpOverRounds();
        consumer.lags(0L, 0L, 0L);
        await().atMost(BOUND).until(progress::caughtUp);
    }

    @Test
    void noLagKnownAtAllShouldNotBeCaughtUp() {
        start(PARTITIONS);
        consumer.lags(null, null, null);

        assertNotCaughtUpOverRounds();
    }

    @Test
    void aPartitionAnotherMemberOwnsShouldKeepTheReadFromBeingCaughtUp() {
        start(PARTITIONS - 1);
        consumer.lags(0L, 0L, 0L);

        assertNotCaughtUpOverRounds();
    }

    @Test
    void lagsThatCancelInASumShouldNotBeCaughtUp() {
        start(PARTITIONS);
        consumer.lags(2L, -2L, 0L);

        assertNotCaughtUpOverRounds();
        assertThat(progress.backlog()).isZero(); // the sum is nothing: only each lag on its own tells
    }

    @Test
    void aTopicTheMetadataDoesNotKnowYetShouldNotBeCaughtUp() {
        start(PARTITIONS);
        consumer.updatePartitions(TOPIC, List.of());
        consumer.lags(0L, 0L, 0L);

        assertNotCaughtUpOverRounds();
    }

    /**
     * A partition written without pause: its lag is never nothing, since new records keep coming. Once the loop has
     * handed over everything up to where the partition ended when it was first fetched, it is caught up (before, a
     * dead-letter read of such a topic never ended, holding every letter it read).
     */
    @Test
    void aPartitionWrittenWithoutPauseShouldBeCaughtUpOnceReadToWhereItEndedWhenFirstFetched() {
        consumer.writeWithoutPause(0); // a record more after each poll, and always one more on the broker than fetched
        start(PARTITIONS);
        consumer.lags(null, 0L, 0L);

        await().atMost(BOUND).until(progress::caughtUp);
        assertThat(sink.received()).as("records handed over").isPositive();
        assertThat(consumer.currentLag(new TopicPartition(TOPIC, 0)).orElseThrow())
                .as("the partition still has records coming").isPositive();
    }

    /** Owns partitions 0 to {@code owned - 1} of a topic of {@link #PARTITIONS}, each empty, and polls on a thread. */
    private void start(int owned) {
        consumer.updatePartitions(TOPIC, IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new PartitionInfo(TOPIC, p, Node.noNode(), new Node[0], new Node[0])).toList());
        List<TopicPartition> assigned = IntStream.range(0, owned).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(assigned);
            consumer.updateBeginningOffsets(assigned.stream().collect(
                    Collectors.toMap(p -> p, p -> 0L)));
        });
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9").pollTimeout(Duration.ofMillis(10))
                .build();
        ConsumerSettings settings = new ConsumerSettings(TOPIC, "readers", 16, Duration.ofSeconds(5), Optional.empty());
        Thread thread = new Thread(new PollLoop(consumer, sink, signals, config, settings, done, progress,
                StartPositions.none()), "poll-" + TOPIC);
        thread.setDaemon(true);
        thread.start();
    }

    /** Many poll rounds after the lags were set, none of them reported caught up. */
    private void assertNotCaughtUpOverRounds() {
        AtomicInteger seenCaughtUp = new AtomicInteger();
        int from = consumer.polls();
        await().atMost(BOUND).until(() -> {
            if (progress.caughtUp()) {
                seenCaughtUp.incrementAndGet();
            }
            return consumer.polls() >= from + 50;
        });
        assertThat(seenCaughtUp).as("rounds reported caught up").hasValue(0);
        assertThat(progress.caughtUp()).isFalse();
    }

    /** A mock consumer whose per-partition lag the test sets; a partition without one is "not known yet". */
    private static final class LagConsumer extends MockConsumer<byte[], byte[]> {

        private final Map<Integer, Long> lags = new ConcurrentHashMap<>();
        private final AtomicInteger polls = new AtomicInteger();
        /** The partition written without pause ({@link #writeWithoutPause}), or -1; records added to it so far. */
        private volatile int growing = -1;
        private long added;

        LagConsumer() {
            super("earliest");
        }

        void lags(Long... perPartition) {
            lags.clear();
            for (int p = 0; p < perPartition.length; p++) {
                if (perPartition[p] != null) {
                    lags.put(p, perPartition[p]);
                }
            }
        }

        int polls() {
            return polls.get();
        }

        /** After each poll one more record in {@code partition}; its lag is always one record more than it fetched. */
        void writeWithoutPause(int partition) {
            growing = partition;
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            try {
                return super.poll(timeout);
            } finally {
                TopicPartition written = new TopicPartition(TOPIC, growing);
                if (growing >= 0 && assignment().contains(written)) {
                    addRecord(new ConsumerRecord<>(TOPIC, growing, added++, new byte[0], new byte[0]));
                }
                polls.incrementAndGet();
            }
        }

        @Override
        public synchronized OptionalLong currentLag(TopicPartition partition) {
            if (partition.partition() == growing && assignment().contains(partition)) {
                return OptionalLong.of(added + 1 - position(partition));
            }
            Long lag = lags.get(partition.partition());
            return lag == null ? OptionalLong.empty() : OptionalLong.of(lag);
        }
    }

    /** Counts what the loop hands over. */
    private static final class CountingSink implements DeliverySink {

        private final AtomicInteger received = new AtomicInteger();

        int received() {
            return received.get();
        }

        @Override
        public void accept(List<InboundRecord> records) {
            received.addAndGet(records.size());
        }

        @Override
        public CompletionStage<Void> revoke(Collection<String> partitions) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
