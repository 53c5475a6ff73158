package dev.keel.cli.verify;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.spi.support.ForwardingIdempotencyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A transparent wrapper around the idempotency store that, while {@link #latency(Duration)} is set,
 * makes every call wait that long before it reaches the store, as a slow network or an overloaded
 * store would (the id checks, which make no round trip, do not wait). Thread-safe; closing it closes the store
 * it wraps.
 */
final class SlowIdempotencyStore extends ForwardingIdempotencyStore {

    private volatile long latencyNanos;

    SlowIdempotencyStore(IdempotencyStore delegate) {
        super(delegate);
    }

    /** Every call from now on waits {@code delay} first; {@link Duration#ZERO} ends it. */
    void latency(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + delay);
        }
        latencyNanos = delay.toNanos();
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        pause();
        return super.claim(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        pause();
        return super.claimAll(namespace, claims, lease);
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        pause();
        return super.complete(namespace, id, token, retention);
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        pause();
        return super.completeAll(namespace, leases, retention);
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        pause();
        return super.release(namespace, id, token);
    }

    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        pause();
        return super.releaseAll(namespace, leases);
    }

    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        pause();
        return super.markDead(namespace, id, token, retention);
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        pause();
        return super.claimRedriven(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        pause();
        return super.claimAllRedriven(namespace, claims, lease);
    }

    @Override
    public int forgetAll(String namespace, List<String> ids) {
        pause();
        return super.forgetAll(namespace, ids);
    }

    @Override
    public void ping() {
        pause();
        super.ping();
    }

    /** The injected latency itself: the point of this class is to make the caller wait. */
    private void pause() {
        long nanos = latencyNanos;
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
