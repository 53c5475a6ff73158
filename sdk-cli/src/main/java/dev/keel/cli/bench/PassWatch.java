package dev.keel.cli.bench;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Why a pass's count will not reach its target, seen while the bench waits for it ({@link BenchContext#await}):
 * <ul>
 *   <li>its handler failed its last attempt (a naive dedup's Redis refusing or gone for longer than the retries
 *       last): the message is dead-lettered, never counted;</li>
 *   <li>its subscription failed;</li>
 *   <li>its subscription was paused for its idempotency store and no message was counted for {@link #PAUSE_PATIENCE}
 *       since (Redis gone or refusing: the engine waits for it, as it should, and the pass would wait out
 *       {@code --timeout}).</li>
 * </ul>
 * A figure from such a pass would mean nothing; the bench stops with the cause instead. A Redis that comes back
 * sooner costs the pass its time, not the run.
 */
final class PassWatch {

    /**
     * How long a pass may count nothing once its subscription was seen paused for its store: longer than a failover,
     * and than the engine's wait between two tries of a store that failed (a pause seen can end, with no message
     * counted, when a try answers and the next store call fails again).
     */
    static final Duration PAUSE_PATIENCE = Duration.ofSeconds(30);

    /** The store, as the report names it (no credentials). */
    private final String store;
    /** The subscription's retry policy's attempts: a failure of the last is a dead letter. */
    private final int maxAttempts;
    private final AtomicReference<String> lastAttemptFailure = new AtomicReference<>();
    private final AtomicReference<Subscription> subscription = new AtomicReference<>();
    /** The count at the last look, and when a pause was first seen since it last grew; one thread reads them. */
    private long lastCount = -1;
    private Long pausedSince;

    PassWatch(String store, int maxAttempts) {
        this.store = store;
        this.maxAttempts = maxAttempts;
    }

    /**
     * {@code work}, its failures on a message's last attempt kept for {@link #stopReason}; still thrown, so that the
     * engine handles them as ever.
     */
    <T> MessageHandler<T> watching(MessageHandler<T> work) {
        return delivery -> {
            try {
                work.handle(delivery);
            } catch (Exception | Error e) {
                if (delivery.attempt() >= maxAttempts) {
                    lastAttemptFailure.compareAndSet(null, "its handler failed " + delivery.attempt() + " attempt(s) "
                            + "of a message, which is dead-lettered and not counted (last failure: " + e + ")");
                }
                throw e;
            }
        };
    }

    /** Watches {@code sub}'s state from now on. */
    void watch(Subscription sub) {
        subscription.set(sub);
    }

    /**
     * Why the pass cannot finish, as of {@code nowNanos} ({@link System#nanoTime()}) with {@code count} messages
     * counted; empty while it may. Called by the one thread that waits for the pass.
     */
    Optional<String> stopReason(long nowNanos, long count) {
        String failed = lastAttemptFailure.get();
        if (failed != null) {
            return Optional.of(failed);
        }
        if (count != lastCount) {
            lastCount = count;
            pausedSince = null;
        }
        Subscription sub = subscription.get();
        if (sub == null) {
            return Optional.empty();
        }
        Subscription.State state = sub.state();
        if (state == Subscription.State.FAILED) {
            String cause = sub.failure().map(Throwable::toString).orElse("no cause given");
            return Optional.of("its subscription failed (" + cause + ")");
        }
        if (state == Subscription.State.PAUSED && pausedSince == null) {
            pausedSince = nowNanos;
        }
        if (pausedSince == null || nowNanos - pausedSince < PAUSE_PATIENCE.toNanos()) {
            return Optional.empty();
        }
        return Optional.of("its subscription was paused for its idempotency store, " + store + ", and no message "
                + "came for " + PAUSE_PATIENCE.toSeconds() + " s since: check that Redis is up and reachable, has "
                + "memory left (maxmemory), and that --redis's user may run the store's commands");
    }
}
