package dev.keel.testkit;

import dev.keel.Subscription;
import dev.keel.core.testing.Crashable;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/** Crashes a Keel subscription in a test, as if its process had died. */
public final class Crash {

    private Crash() {
    }

    /**
     * Makes {@code subscription} behave as if its process had crashed: it stops at once,
     * acknowledges nothing more (handlers still running are not interrupted; their outcome is
     * discarded) and drops its queued work. Its broker consumer then leaves the group, committing
     * only what had been acknowledged before the crash, so every record it had not acknowledged is
     * redelivered to the rest of the group. Claims it held in the idempotency store expire with
     * their lease. Killing the process is what tests a real crash (for example a session timeout).
     *
     * @return completes once the broker consumer has left the group
     * @throws IllegalArgumentException when {@code subscription} was not started by a Keel
     */
    public static CompletionStage<Void> crash(Subscription subscription) {
        Objects.requireNonNull(subscription, "subscription");
        if (!(subscription instanceof Crashable crashable)) {
            throw new IllegalArgumentException("not a subscription started by Keel.subscribe: " + subscription);
        }
        return crashable.crash();
    }
}
