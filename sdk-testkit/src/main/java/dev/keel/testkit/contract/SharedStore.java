package dev.keel.testkit.contract;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;

/**
 * The test's one store as each Keel instance sees it: every call goes through, except
 * {@link #close()}, so that closing one instance leaves the store to the others; the suite closes
 * the store itself after the test.
 */
final class SharedStore implements IdempotencyStore {

    private final IdempotencyStore delegate;

    SharedStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return delegate.claim(namespace, id, token, lease);
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return delegate.complete(namespace, id, token, retention);
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
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        return delegate.claimAll(namespace, claims, lease);
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        return delegate.completeAll(namespace, leases, retention);
    }

    @Override
    public int forgetAll(String namespace, List<String> ids) {
        return delegate.forgetAll(namespace, ids);
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
    public void close() {
        // the suite closes the shared store after the test
    }

    /** Delegated: what the wrapped store can hold. */
    @Override
    public void checkNamespace(String namespace) {
        delegate.checkNamespace(namespace);
    }

    /** Delegated: what the wrapped store can hold. */
    @Override
    public void checkId(String id) {
        delegate.checkId(id);
    }
}
