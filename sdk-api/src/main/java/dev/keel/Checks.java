package dev.keel;

import java.time.Duration;

/** Validation shared by the configuration builders of this package. */
final class Checks {

    private Checks() {
    }

    /** {@code d} if it is positive, else an {@link IllegalArgumentException} naming {@code what}. */
    static Duration positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be a positive duration, was " + d);
        }
        return d;
    }
}
