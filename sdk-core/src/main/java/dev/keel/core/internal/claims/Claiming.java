package dev.keel.core.internal.claims;

import dev.keel.core.internal.chain.Work;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a running subscription asks of its idempotency claims: {@link Claims} under EFFECTIVELY_ONCE,
 * {@link #NONE} otherwise, so the subscription has no branch of its own for the store.
 */
public interface Claiming {

    /** A subscription that claims nothing. */
    Claiming NONE = new None();

    /**
     * Messages received, in arrival order, that the chain will run: their claims are requested at once,
     * in one batch, and renewed while they wait for their lane.
     */
    void received(List<Work> works);

    /**
     * What a received message waits for before it takes a lane: its claim's answer, when one was requested on receipt
     * ({@link #received}); null when it need not wait.
     */
    default CompletionStage<?> answered(Work work) {
        return null;
    }

    /** The subscription's periodic tick: messages whose id another consumer held are claimed again, held claims renewed. */
    void tick();

    /** A message that never ran was dropped: its claim is released ({@code release}), or left to expire (a crash). */
    void dropped(Work work, boolean release);

    /** What the claims hold now, for the stall watch and the gauges. */
    ClaimCounts counts();

    /** The subscription stopped: every wait for a claim ends, nothing is renewed any more. */
    void stop();

    /**
     * The subscription closed: the store calls' threads end once the calls under way finished. A claim answered after
     * that is still released, on the thread that got the answer.
     */
    void close();

    /**
     * Completes (normally) once every release of a claim asked so far has finished, done or failed, those waiting for
     * their claim's answer too: a graceful close waits for it (bounded), so that the store may be closed right after.
     */
    default CompletionStage<Void> releasesSettled() {
        return CompletableFuture.completedFuture(null);
    }

    /** The subscription crashed: the store calls' threads end, and a claim answered after that is left to expire. */
    void abort();

    /** How often the subscription must tick for its claims; empty when it claims nothing. */
    Optional<Duration> tickInterval();

    /**
     * Counts of a subscription's claims.
     *
     * @param busyWaiting        messages waiting for an id another consumer holds
     * @param busyLongerThanLease those of them waiting for longer than a lease
     * @param held               claims held and renewed
     */
    record ClaimCounts(int busyWaiting, int busyLongerThanLease, int held) {
        static final ClaimCounts NONE = new ClaimCounts(0, 0, 0);
    }

    /** Claims nothing ({@link #NONE}); tests extend it to watch one call. */
    class None implements Claiming {
        @Override
        public void received(List<Work> works) {
        }

        @Override
        public void tick() {
        }

        @Override
        public void dropped(Work work, boolean release) {
        }

        @Override
        public ClaimCounts counts() {
            return ClaimCounts.NONE;
        }

        @Override
        public void stop() {
        }

        @Override
        public void close() {
        }

        @Override
        public void abort() {
        }

        @Override
        public Optional<Duration> tickInterval() {
            return Optional.empty();
        }
    }
}
