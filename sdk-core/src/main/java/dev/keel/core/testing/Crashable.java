package dev.keel.core.testing;

import java.util.concurrent.CompletionStage;

/**
 * Test SPI, implemented by the engine's subscriptions: makes a subscription behave as if its
 * process had crashed. It stops at once, acknowledges nothing more (completions that come later
 * are ignored) and drops its queued work; handlers still running are not interrupted and their
 * outcome is discarded. Its broker consumer is then closed: it commits what had been acknowledged
 * before the crash (a crash right after the last commit looks the same) and leaves the group, so
 * every record not acknowledged is redelivered to the rest of the group. Claims it held in the
 * idempotency store are not released: they expire with their lease, as a dead process's would.
 *
 * <p>Tests call {@code dev.keel.testkit.Crash.crash(subscription)} rather than this interface.
 */
public interface Crashable {

    /**
     * Crashes the subscription; idempotent, and a no-op on a subscription already closed. The stage
     * completes once the broker consumer has left the group.
     */
    CompletionStage<Void> crash();
}
