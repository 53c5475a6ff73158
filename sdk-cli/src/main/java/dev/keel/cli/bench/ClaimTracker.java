package dev.keel.cli.bench;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transparent wrapper around the idempotency store that remembers which ids are claimed and not
 * yet done: what a consumer holds when it crashes, and when its successor has marked them done.
 * Releases do not count as done (a released id is claimed again).
 */
final class ClaimTracker implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    private final Set<String> done = ConcurrentHashMap.newKeySet();

    ClaimTracker(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    /** The ids claimed and not done now. */
    Set<String> held() {
        Set<String> held = new HashSet<>(claimed);
        held.removeAll(done);
        return held;
    }

    /** Whether every one of {@code ids} is done. */
    boolean allDone(Set<String> ids) {
        return done.containsAll(ids);
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        ClaimResult result = delegate.claim(namespace, id, token, lease);
        if (result.isClaimed()) {
            claimed.add(id);
        }
        return result;
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = delegate.claimAll(namespace, claims, lease);
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).isClaimed()) {
                claimed.add(claims.get(i).id());
            }
        }
        return results;
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        LeaseOutcome outcome = delegate.complete(namespace, id, token, retention);
        if (outcome == LeaseOutcome.APPLIED) {
            done.add(id);
        }
        return outcome;
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        List<LeaseOutcome> outcomes = delegate.completeAll(namespace, leases, retention);
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) == LeaseOutcome.APPLIED) {
                done.add(leases.get(i).id());
            }
        }
        return outcomes;
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        return delegate.release(namespace, id, token);
    }

    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        return delegate.releaseAll(namespace, leases);
    }

    /** Leaves the store open: it is the bench's. */
    @Override
    public void close() {
    }
}
