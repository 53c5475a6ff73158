package dev.keel.rocket.internal;

import java.time.Duration;

/** When a bounded piece of work must end, on {@link System#nanoTime()}'s clock. Immutable. */
final class Deadline {

    private final long at;

    private Deadline(long at) {
        this.at = at;
    }

    /** The deadline {@code bound} from now. */
    static Deadline in(Duration bound) {
        return new Deadline(System.nanoTime() + bound.toNanos());
    }

    /** This deadline, or one {@code floor} from now when less than that is left. */
    Deadline atLeast(Duration floor) {
        long floorAt = System.nanoTime() + floor.toNanos();
        return floorAt - at > 0 ? new Deadline(floorAt) : this;
    }

    boolean passed() {
        return System.nanoTime() - at >= 0;
    }

    /** What is left, zero once passed. */
    long remainingNanos() {
        return Math.max(0, at - System.nanoTime());
    }
}
