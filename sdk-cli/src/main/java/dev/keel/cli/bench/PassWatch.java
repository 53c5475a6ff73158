package dev.keel.cli.bench;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Why a pass's count will not reach its target, seen while the bench waits for it ({@link BenchContext#await}): its
 * handler failed (a naive dedup's Redis refused or gone: the message is retried, then dead-lettered, never counted),
 * its subscription failed, or its subscription stayed paused for its idempotency store longer than
 * {@link #PAUSE_PATIENCE} (Redis gone: the engine waits for it, as it should, and the pass would wait out
 * {@code --timeout}). A figure from such a pass would mean nothing; the bench stops with the cause instead.
 */
final class PassWatch {

    /** How long a subscription may stay paused for its store before the pass stops: longer than a failover. */
    static final Duration PAUSE_PATIENCE = Duration.ofSeconds(10);

    /** The store, as the report names it (no credentials). */
    private final String store;
    private final AtomicReference<Throwable> handlerFailure = new AtomicReference<>();
    private final AtomicReference<Subscription> subscription = new AtomicReference<>();
    /** When the subscription was first seen paused in its current pause, in {@link System#nanoTime()}; or null. */
    private Long pausedSince;

    PassWatch(String store) {
        this.store = store;
    }

    /** {@code work}, its first failure kept for {@link #stopReason}; still thrown, so the engine handles it as ever. */
    <T> MessageHandler<T> watching(MessageHandler<T> work) {
        return delivery -> {
            try {
                work.handle(delivery);
            } catch (Exception | Error e) {
                handlerFailure.compareAndSet(null, e);
                throw e;
            }
        };
    }

    /** Watches {@code sub}'s state from now on. */
    void watch(Subscription sub) {
        subscription.set(sub);
    }

    /**
     * Why the pass cannot finish, as of {@code nowNanos} ({@link System#nanoTime()}); empty while it may. Called by
     * the one thread that waits for the pass.
     */
    Optional<String> stopReason(long nowNanos) {
        Throwable failed = handlerFailure.get();
        if (failed != null) {
            return Optional.of("its handler failed (" + failed + ")");
        }
        Subscription sub = subscription.get();
        if (sub == null) {
            return Optional.empty();
        }
        Subscription.State state = sub.state();
        if (state == Subscription.State.FAILED) {
            return Optional.of("its subscription failed (" + sub.failure().map(Throwable::toString).orElse("no cause given")
                    + ")");
        }
        if (state != Subscription.State.PAUSED) {
            pausedSince = null;
            return Optional.empty();
        }
        if (pausedSince == null) {
            pausedSince = nowNanos;
        }
        if (nowNanos - pausedSince < PAUSE_PATIENCE.toNanos()) {
            return Optional.empty();
        }
        return Optional.of("its subscription has been paused for " + PAUSE_PATIENCE.toSeconds() + " s, waiting for "
                + "its idempotency store, " + store + ", to answer: check that Redis is up and reachable, and that "
                + "--redis's user may run the store's commands");
    }
}
