package dev.keel.testkit.internal;

import dev.keel.spi.support.OffsetTracker;
import java.util.HashSet;
import java.util.Set;

/**
 * One consumer's hold on one assigned partition: the next offset to deliver, the offsets delivered
 * and not yet acknowledged, and the {@link OffsetTracker} that says what may be committed. Once
 * inactive (revoked, closed, aborted, connection dropped) it ignores acks. Guarded by the broker lock.
 */
final class PartitionCursor {

    final int partition;
    final OffsetTracker tracker;
    final Set<Long> outstanding = new HashSet<>();
    long next;
    boolean active = true;
    boolean revoking;

    PartitionCursor(int partition, long start) {
        this.partition = partition;
        this.tracker = new OffsetTracker(start);
        this.next = start;
    }

    boolean deliverable(long endOffset) {
        return active && !revoking && next < endOffset;
    }
}
