package dev.keel.dedup.jdbc;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test decorator over a real store that counts, per id, the batch claims that included it, counted
 * when the call starts: the first is the claim, the later ones are renewals, seen even while they wait.
 */
final class ClaimWatchingStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final Map<String, AtomicInteger> claimCalls = new ConcurrentHashMap<>();

    ClaimWatchingStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    /** How many claim calls (claims and renewals) that included {@code id} have started. */
    int claimCalls(String id) {
        AtomicInteger n = claimCalls.get(id);
        return n == null ? 0 : n.get();
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        started(id);
        return delegate.claim(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        claims.stream().map(Lease::id).distinct().forEach(this::started);
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
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        return delegate.markDead(namespace, id, token, retention);
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        claims.stream().map(Lease::id).distinct().forEach(this::started);
        return delegate.claimAllRedriven(namespace, claims, lease);
    }

    @Override
    public void close() {
        delegate.close();
    }

    private void started(String id) {
        claimCalls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }
}
