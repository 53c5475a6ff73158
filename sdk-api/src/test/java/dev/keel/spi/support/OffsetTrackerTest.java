package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234, 99_999})
    void committablePositionShouldAlwaysBeTheContiguousAckedPrefixUnderRandomAckOrder(long seed) {
        Random random = new Random(seed);
        long start = random.nextInt(1000);
        OffsetTracker tracker = new OffsetTracker(start);
        List<Long> received = new ArrayList<>();
        long offset = start;
        for (int i = 0; i < 500; i++) {
            offset += 1 + (random.nextInt(10) == 0 ? random.nextInt(5) : 0); // occasional gaps
            received.add(offset);
            tracker.received(offset);
        }
        List<Long> ackOrder = new ArrayList<>(received);
        Collections.shuffle(ackOrder, random);
        TreeSet<Long> unacked = new TreeSet<>(received);
        for (long acked : ackOrder) {
            tracker.acked(acked);
            unacked.remove(acked);
            long expected = unacked.isEmpty() ? received.get(received.size() - 1) + 1 : unacked.first();
            assertThat(tracker.committable()).as("committable after acking %d", acked).isEqualTo(expected);
            assertThat(tracker.pendingCount()).isEqualTo(unacked.size());
            long committable = tracker.committable();
            assertThat(tracker.ackedAbove()).as("acked above %d", committable).containsExactly(received.stream()
                    .filter(o -> o > committable && !unacked.contains(o)).mapToLong(Long::longValue).toArray());
        }
    }

    @Test
    void committableShouldNotMoveBeforeTheFirstAck() {
        OffsetTracker tracker = new OffsetTracker(10);
        tracker.received(10);
        tracker.received(11);
        tracker.acked(11);
        assertThat(tracker.committable()).isEqualTo(10);
        tracker.acked(10);
        assertThat(tracker.committable()).isEqualTo(12);
    }

    @Test
    void outOfOrderReceiveShouldFail() {
        OffsetTracker tracker = new OffsetTracker(0);
        tracker.received(5);
        assertThatThrownBy(() -> tracker.received(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of order");
    }

    @Test
    void ackOfUnknownOrStaleOffsetShouldBeIgnored() {
        OffsetTracker tracker = new OffsetTracker(0);
        tracker.received(3);
        tracker.acked(1);
        assertThat(tracker.committable()).isEqualTo(3);
        tracker.acked(3);
        tracker.acked(3);
        assertThat(tracker.committable()).isEqualTo(4);
    }

    @Test
    void receivedAllShouldTrackABatchAsOneReceivedEachAndRefuseOneOutOfOrderWhole() {
        OffsetTracker tracker = new OffsetTracker(10);
        tracker.receivedAll(new long[] {10, 11, 13, 99}, 3);
        tracker.acked(11);
        assertThat(tracker.committable()).isEqualTo(10);
        tracker.acked(10);
        assertThat(tracker.committable()).isEqualTo(13);
        assertThat(tracker.pendingCount()).isEqualTo(1);

        assertThatThrownBy(() -> tracker.receivedAll(new long[] {14, 13}, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tracker.receivedAll(new long[] {13}, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(tracker.pendingCount()).as("nothing of a refused batch is tracked").isEqualTo(1);
        tracker.acked(13);
        assertThat(tracker.committable()).isEqualTo(14);
    }
}
