package dev.keel;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running subscription. Acknowledgement rules: a message is acknowledged (Kafka: its offset
 * committed, as part of the highest contiguous completed offset of its partition) only after its
 * handler returned and, under EFFECTIVELY_ONCE, its id was marked done; or after it was
 * dead-lettered with confirmation; or, under AT_MOST_ONCE, before its handler runs. Anything not
 * acknowledged when the subscription closes or crashes is redelivered to the group.
 */
public interface Subscription extends AutoCloseable {

    String topic();

    String group();

    /** Where a subscription is in its life; see {@link #state()}. */
    enum State {
        /** Fetching and handling messages (also while briefly paused because its in-flight work is full). */
        RUNNING,
        /**
         * Paused because the idempotency store cannot be reached: it fetches nothing and runs no
         * handler unclaimed (fail closed), and resumes by itself once a store call succeeds again.
         */
        PAUSED,
        /**
         * Its broker consumer lost the broker (its connection, or a queue it consumes) and could not get it back
         * at the first attempt: it handles what it holds, receives nothing new, and keeps reconnecting by
         * itself; RUNNING again once it consumes everything again. Reported by adapters that can tell
         * (RabbitMQ); a Kafka consumer stays RUNNING while its client reconnects.
         */
        RECONNECTING,
        /**
         * {@code close} was called: it fetches nothing more, starts none of the messages it holds,
         * and lets the handlers running finish.
         */
        CLOSING,
        /** Closed gracefully. */
        CLOSED,
        /**
         * Stopped without draining (its process or consumer crashed): it acknowledges nothing more,
         * and the group gets every message it had not acknowledged again.
         */
        FAILED
    }

    /** The subscription's state now; changes as the store comes and goes and as it closes. */
    State state();

    /**
     * Why the subscription {@link State#FAILED failed} when its broker consumer stopped on an error
     * (for health checks and logs); empty while it has not failed that way.
     */
    default Optional<Throwable> failure() {
        return Optional.empty();
    }

    /**
     * A graceful stop. From the call on, no message the subscription holds starts: each goes back to
     * the broker unacknowledged (its idempotency claim released), as does one waiting for a retry's
     * backoff, a claim another consumer holds or a dead letter. The handlers running finish; those
     * that return are marked done (EFFECTIVELY_ONCE) and acknowledged, then the broker consumer
     * commits and leaves, and the close returns: as soon as the running handlers are done, not
     * after {@code timeout}. A handler still running when {@code timeout} ends is named in a WARN
     * and not acknowledged: the broker delivers its message again; under EFFECTIVELY_ONCE its id is
     * still marked done if it returns while the store is open (the redelivery is then skipped; its
     * claim is no longer renewed, so after its lease expired only if no other consumer claimed the
     * message meanwhile), otherwise it runs again once its lease expires, as after a crash. So give
     * {@code timeout} more than the slowest handler takes. Waits for {@link #closeAsync(Duration)}, for at most
     * {@code timeout} plus {@link #CLOSE_GRACE}; called by one of the subscription's own handlers (a stop command),
     * which cannot wait for itself, it starts the close and returns at once, and the close ends once that handler
     * returned, its message marked done and acknowledged.
     */
    default void close(Duration timeout) {
        try {
            closeAsync(timeout).toCompletableFuture().get(timeout.plus(CLOSE_GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // what finished was acknowledged; the rest is redelivered to the group
        }
    }

    /** How long {@link #close(Duration)} waits beyond its timeout for the broker consumer to leave. */
    Duration CLOSE_GRACE = Duration.ofSeconds(30);

    CompletionStage<Void> closeAsync(Duration timeout);

    /** {@link #close(Duration)} with the subscription's configured close timeout. */
    @Override
    void close();
}
