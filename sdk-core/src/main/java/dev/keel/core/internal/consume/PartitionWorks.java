package dev.keel.core.internal.consume;

import dev.keel.core.internal.chain.Work;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The works one partition handed to a subscription, in arrival order, for its revoke, close and gauges. Written by
 * the thread that receives the partition's records (once per batch) and read by a revoke or a close; a work that
 * finishes only changes its own state, and the receiving thread drops finished works as it appends: from the head
 * at every append, and from anywhere once the register has doubled since it last did, so it holds at most about
 * twice the unfinished works (plus {@link #MIN_COMPACT}) however long one of them stays unfinished.
 */
final class PartitionWorks {

    /** Below this many works the register is pruned from its head only. */
    static final int MIN_COMPACT = 256;

    // guarded by this
    private final ArrayDeque<Work> works = new ArrayDeque<>();
    private int compactAt = MIN_COMPACT;
    /** Taken by a revoke: a later batch of the partition needs a register of its own. */
    private boolean taken;

    /** Appends {@code batch}, in order; false when a revoke took this register meanwhile (nothing is appended). */
    synchronized boolean addAll(List<Work> batch) {
        if (taken) {
            return false;
        }
        while (!works.isEmpty() && works.peekFirst().isFinished()) {
            works.pollFirst();
        }
        works.addAll(batch);
        if (works.size() >= compactAt) {
            works.removeIf(Work::isFinished);
            compactAt = Math.max(MIN_COMPACT, 2 * works.size());
        }
        return true;
    }

    /** The unfinished works, and no more appends: the partition was revoked. */
    synchronized List<Work> takeAll() {
        taken = true;
        List<Work> unfinished = unfinished();
        works.clear();
        return unfinished;
    }

    synchronized List<Work> unfinished() {
        List<Work> unfinished = new ArrayList<>(works.size());
        for (Work work : works) {
            if (!work.isFinished()) {
                unfinished.add(work);
            }
        }
        return unfinished;
    }

    synchronized int unfinishedCount() {
        int n = 0;
        for (Work work : works) {
            n += work.isFinished() ? 0 : 1;
        }
        return n;
    }

    /** How many works the register holds now, finished ones not pruned yet included (its memory). */
    synchronized int size() {
        return works.size();
    }
}
