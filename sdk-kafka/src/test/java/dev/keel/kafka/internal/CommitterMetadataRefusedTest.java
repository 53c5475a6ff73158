package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/kafka.md: a broker whose {@code offset.metadata.max.bytes} refuses the record of work done above a gap makes the
 * consumer commit offsets only. Also when the refusal comes to a revocation's or a close's synchronous commit: that
 * commit is made again at once, offsets only, instead of the partition going (or the consumer closing) with no commit.
 * A {@link MockConsumer} stands in for a broker with such a limit.
 */
class CommitterMetadataRefusedTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);

    private final RefusingMetadata consumer = new RefusingMetadata();
    private final PartitionTrackers trackers = new PartitionTrackers("t");
    private final Committer committer = new Committer(consumer, trackers, new ConsumerSignals(), Duration.ZERO,
            Duration.ofSeconds(5));

    @BeforeEach
    void handled() {
        consumer.assign(List.of(P0));
        // 0 to 9 done, 10 still running, 11 to 19 done: the commit is 10, with 11 to 19 in its metadata
        var tracker = trackers.receivedAll(0, new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                17, 18, 19}, 20);
        for (long offset = 0; offset < 20; offset++) {
            if (offset != 10) {
                tracker.acked(offset);
            }
        }
    }

    @Test
    void aRevocationsCommitRefusedForItsMetadataShouldBeMadeAgainWithTheOffsetOnly() {
        committer.commitSync(List.of(0));

        assertThat(consumer.committedOffsets).containsExactly(new OffsetAndMetadata(10, ""));
    }

    @Test
    void aClosesCommitRefusedForItsMetadataShouldBeMadeAgainWithTheOffsetOnly() {
        committer.commitThroughRebalance(ms -> { });

        assertThat(consumer.committedOffsets).containsExactly(new OffsetAndMetadata(10, ""));
    }

    /** A consumer whose broker refuses any commit metadata as too large; keeps the commits it took. */
    private static final class RefusingMetadata extends MockConsumer<byte[], byte[]> {
        final List<OffsetAndMetadata> committedOffsets = new ArrayList<>();

        RefusingMetadata() {
            super("earliest");
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            if (offsets.values().stream().anyMatch(o -> !o.metadata().isEmpty())) {
                throw new OffsetMetadataTooLarge("the metadata is over offset.metadata.max.bytes");
            }
            committedOffsets.addAll(offsets.values());
            super.commitSync(offsets, timeout);
        }
    }
}
