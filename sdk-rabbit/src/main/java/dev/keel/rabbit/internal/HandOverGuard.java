package dev.keel.rabbit.internal;

/**
 * Keeps a member from handing lanes over in circles when its group is counted larger than it is.
 * The count comes from the group's member queue; a quorum queue keeps listing the consumers of a
 * member whose connection was on a node that went down (suspected down, until the node is back),
 * beside the consumers that member registered again elsewhere. Counted one member too many, every
 * member's share is too small for the lanes to go round, and they would hand lanes to each other
 * (or, alone, to themselves) every round. So when a lane this member handed over comes back to it
 * within a few rounds, nobody else wanted it: the member hands no lane over any more until the count
 * changes. Thread-safe.
 */
final class HandOverGuard {

    /** How many balancing rounds after its hand-over a lane coming back counts as nobody having taken it. */
    static final int BOUNCE_ROUNDS = 5;

    private final long[] handedOverInRound;
    private long round;
    private int heldBackAtCount = -1;

    HandOverGuard(int lanes) {
        this.handedOverInRound = new long[lanes];
    }

    /** Starts a balancing round in which {@code members} were counted; forgets a hold-back from another count. */
    synchronized void startRound(int members) {
        round++;
        if (members != heldBackAtCount) {
            heldBackAtCount = -1;
        }
    }

    /** This member is active on {@code lane}; true when that makes it hold hand-overs back (from now on). */
    synchronized boolean activeOn(int lane, int members) {
        long handedOver = handedOverInRound[lane];
        handedOverInRound[lane] = 0;
        if (handedOver == 0 || round - handedOver > BOUNCE_ROUNDS || heldBackAtCount == members) {
            return false;
        }
        heldBackAtCount = members;
        return true;
    }

    /** Whether hand-overs are held back in this round. */
    synchronized boolean holdsBack() {
        return heldBackAtCount >= 0;
    }

    /** This member hands {@code lane} over in this round. */
    synchronized void handedOver(int lane) {
        handedOverInRound[lane] = round;
    }
}
