package dev.keel.spi.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What holds an offset broker's commits back after a partition's position went back into the middle of the records
 * still being handled (a log truncation after an unclean election, an offset reset, a broker correcting an illegal
 * offset after losing its tail). The adapter starts a new {@link OffsetTracker} from the new position; the old one's
 * pending records are still acknowledged to it alone. While the old tracker holds any, the partition's commit must not
 * pass its committable offset: a record still running when a commit passed it would never be delivered again after a
 * crash. Thread-safe.
 *
 * @param <P> what names a partition (Kafka's partition number, RocketMQ's message queue)
 */
public final class RewindFloors<P> {

    private final Map<P, List<OffsetTracker>> floors = new ConcurrentHashMap<>();

    /** {@code partition}'s position went back and {@code old} was replaced: it holds commits back while it has pending records. */
    public void replaced(P partition, OffsetTracker old) {
        if (old.pendingCount() > 0) {
            floors.computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>()).add(old);
        }
    }

    /**
     * The highest offset the trackers {@code partition} replaced allow to commit: the lowest committable offset of
     * those still holding pending records, or {@code Long.MAX_VALUE} when none does.
     */
    public long floor(P partition) {
        List<OffsetTracker> old = floors.get(partition);
        if (old == null) {
            return Long.MAX_VALUE;
        }
        old.removeIf(t -> t.pendingCount() == 0);
        if (old.isEmpty()) {
            floors.remove(partition, old);
            return Long.MAX_VALUE;
        }
        long lowest = Long.MAX_VALUE;
        for (OffsetTracker t : old) {
            lowest = Math.min(lowest, t.committable());
        }
        return lowest;
    }

    /** Forgets {@code partition} (revoked, lost, taken away). */
    public void forget(P partition) {
        floors.remove(partition);
    }
}
