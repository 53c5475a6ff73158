package dev.keel.spi.support;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A store that passes every call to another one, for wrappers that observe or change one thing (count
 * duplicates, add latency, lose a reply) and nothing else: override the calls it changes. Every method of
 * {@link IdempotencyStore} is passed on, the default ones too, so that the wrapped store's own dead-letter state
 * ({@link #markDead}, {@link #claimRedriven}), {@link #forgetAll}, {@link #ping} and id checks stay its own: a
 * wrapper that implemented {@link IdempotencyStore} directly would fall back to the interface's defaults and mark
 * a dead-lettered id done. Each call goes to the wrapped store's own method: the batch calls ({@link #claimAll},
 * {@link #completeAll}, {@link #releaseAll}, {@link #claimAllRedriven}) and {@link #claimRedriven} do not pass through
 * this wrapper's {@link #claim}, {@link #complete} or {@link #release}, so a wrapper that counts or changes claims
 * overrides each call it means to see (the engine claims and completes in batches). Closing it closes the store it
 * wraps.
 */
public abstract class ForwardingIdempotencyStore implements IdempotencyStore {

    private final IdempotencyStore delegate;

    protected ForwardingIdempotencyStore(IdempotencyStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The store this one wraps. */
    protected final IdempotencyStore delegate() {
        return delegate;
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return delegate.claim(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        return delegate.claimAll(namespace, claims, lease);
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return delegate.complete(namespace, id, token, retention);
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        return delegate.completeAll(namespace, leases, retention);
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        return delegate.release(namespace, id, token);
    }

    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        return delegate.releaseAll(namespace, leases);
    }

    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        return delegate.markDead(namespace, id, token, retention);
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return delegate.claimRedriven(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        return delegate.claimAllRedriven(namespace, claims, lease);
    }

    @Override
    public int forgetAll(String namespace, List<String> ids) {
        return delegate.forgetAll(namespace, ids);
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public void checkNamespace(String namespace) {
        delegate.checkNamespace(namespace);
    }

    @Override
    public void checkId(String id) {
        delegate.checkId(id);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
