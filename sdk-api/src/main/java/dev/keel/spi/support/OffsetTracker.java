package dev.keel.spi.support;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The acknowledgement state of one partition of an offset broker (Kafka, RocketMQ). Offsets are
 * {@link #received} in increasing order (gaps allowed) and {@link #acked} in any order; the
 * {@link #committable()} position is the offset after the highest contiguous acknowledged prefix,
 * which is what a commit may safely store. Thread-safe.
 */
public final class OffsetTracker {

    private final ArrayDeque<Long> pending = new ArrayDeque<>();
    private final Set<Long> ackedAhead = new HashSet<>();
    private long committable;

    /** A tracker whose committable position starts at {@code start} (the fetch position). */
    public OffsetTracker(long start) {
        this.committable = start;
    }

    /** Records that {@code offset} was handed to the engine; offsets must increase. */
    public synchronized void received(long offset) {
        Long last = pending.peekLast();
        if ((last != null && offset <= last) || offset < committable) {
            throw new IllegalArgumentException("offset " + offset + " received out of order");
        }
        if (pending.isEmpty()) {
            committable = offset;
        }
        pending.addLast(offset);
    }

    /**
     * Records that the first {@code count} of {@code offsets} were handed to the engine, as {@link #received} does
     * for each in turn, under one lock: all of them, or none when one is out of order.
     *
     * @throws IllegalArgumentException when they do not increase, or start at or below an offset already received
     */
    public synchronized void receivedAll(long[] offsets, int count) {
        if (count == 0) {
            return;
        }
        Long last = pending.peekLast();
        long previous = last != null ? last : committable - 1;
        for (int i = 0; i < count; i++) {
            if (offsets[i] <= previous) {
                throw new IllegalArgumentException("offset " + offsets[i] + " received out of order");
            }
            previous = offsets[i];
        }
        if (pending.isEmpty()) {
            committable = offsets[0];
        }
        for (int i = 0; i < count; i++) {
            pending.addLast(offsets[i]);
        }
    }

    /**
     * Records that {@code offset} was acknowledged. Each received offset is acknowledged at most
     * once; offsets below the pending head are ignored.
     */
    public synchronized void acked(long offset) {
        Long head = pending.peekFirst();
        if (head == null || offset < head) {
            return;
        }
        if (offset != head) {
            ackedAhead.add(offset);
            return;
        }
        long popped = pending.pollFirst();
        while (!pending.isEmpty() && ackedAhead.remove(pending.peekFirst())) {
            popped = pending.pollFirst();
        }
        committable = pending.isEmpty() ? popped + 1 : pending.peekFirst();
    }

    /** The offset a commit may store: everything before it has been acknowledged. */
    public synchronized long committable() {
        return committable;
    }

    /**
     * The acknowledged offsets above the {@link #committable()} position, ascending: work already
     * done beyond the first gap, which a broker that can store it with a commit (Kafka's commit
     * metadata) may record so that the next owner skips it.
     */
    public synchronized long[] ackedAbove() {
        return ackedAhead.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** How many received offsets are not yet acknowledged. */
    public synchronized int pendingCount() {
        return pending.size() - ackedAhead.size();
    }
}
