package dev.keel.core.internal;

import dev.keel.Subscription;

/**
 * Test support: makes a subscription behave as if its process had crashed. It stops at once,
 * acknowledges nothing more (later completions are ignored) and aborts its broker consumer, so
 * everything unacknowledged is redelivered to the group. Handlers still running are not
 * interrupted; their outcome is discarded.
 */
public final class Crash {

    private Crash() {
    }

    public static void abort(Subscription subscription) {
        if (!(subscription instanceof Abortable abortable)) {
            throw new IllegalArgumentException("not a Keel engine subscription: " + subscription);
        }
        abortable.abort();
    }

    /** Implemented by the engine's subscriptions. */
    public interface Abortable {
        void abort();
    }
}
