package dev.keel.cli.verify;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A transparent wrapper around the idempotency store that, while {@link #latency(Duration)} is set,
 * makes every call wait that long before it reaches the store, as a slow network or an overloaded
 * store would. Thread-safe; closing it closes the store it wraps.
 */
final class SlowIdempotencyStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private volatile long latencyNanos;

    SlowIdempotencyStore(IdempotencyStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
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
        return delegate.claim(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        pause();
        return delegate.claimAll(namespace, claims, lease);
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        pause();
        return delegate.complete(namespace, id, token, retention);
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        pause();
        return delegate.completeAll(namespace, leases, retention);
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        pause();
        return delegate.release(namespace, id, token);
    }

    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        pause();
        return delegate.releaseAll(namespace, leases);
    }

    @Override
    public void close() {
        delegate.close();
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
