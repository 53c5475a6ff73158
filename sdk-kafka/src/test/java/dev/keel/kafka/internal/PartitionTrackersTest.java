package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.support.OffsetTracker;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What a partition's commit may say: never past a record not yet handled, and everything known done recorded. */
class PartitionTrackersTest {

    private static final TopicPartition P0 = new TopicPartition("t", 0);

    private final PartitionTrackers trackers = new PartitionTrackers("t");

    @Test
    void aPositionGoneBackIntoThePendingRecordsShouldNotCommitPastARecordStillBeingHandled() {
        // records 5 to 8 handed out; 5's handler still runs, 6 to 8 are done
        OffsetTracker before = trackers.receivedAll(0, new long[] {5, 6, 7, 8}, 4);
        before.acked(6);
        before.acked(7);
        before.acked(8);
        // the consumer's position goes back to 7 (a log truncation, an offset reset), and 7 and 8 come again, done
        OffsetTracker after = trackers.receivedAll(0, new long[] {7, 8}, 2);
        after.acked(7);
        after.acked(8);

        assertThat(committedOffset()).as("5 is not handled yet").isLessThanOrEqualTo(5);

        before.acked(5);
        assertThat(committedOffset()).as("once 5 is done, the new position's progress counts").isEqualTo(9);
    }

    @Test
    void aPositionGoneBackBelowEverythingPendingShouldCommitFromThereOnceTheOldRecordsAreDone() {
        OffsetTracker before = trackers.receivedAll(0, new long[] {10, 11}, 2);
        OffsetTracker after = trackers.receivedAll(0, new long[] {3, 4}, 2);
        after.acked(3);
        after.acked(4);
        assertThat(committedOffset()).isEqualTo(5);

        before.acked(10);
        before.acked(11);
        assertThat(trackers.toCommit()).as("nothing new: the old tracker no longer holds the commit").isEmpty();
    }

    @Test
    void workAPreviousOwnerFinishedFromTheCommittableOffsetOnShouldBeCommittedPastNotForgotten() {
        // the previous owner committed 0 and recorded 1 to 9 as done
        trackers.assigned(0, new OffsetAndMetadata(0, OffsetRanges.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9})
                .toMetadata(0)));
        // this owner has received only 0 so far, and finished it
        trackers.receivedAll(0, new long[] {0}, 1).acked(0);

        OffsetAndMetadata commit = trackers.toCommit().get(P0);

        assertThat(commit.offset() == 10 || OffsetRanges.parse(commit.offset(), commit.metadata()).contains(1))
                .as("offset 1 is done: committed past, or recorded; was " + commit).isTrue();
    }

    private long committedOffset() {
        OffsetAndMetadata commit = trackers.toCommit().get(P0);
        assertThat(commit).as("a commit to make").isNotNull();
        return commit.offset();
    }
}
