package dev.keel.cli.bench;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.spi.support.ForwardingIdempotencyStore;
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
final class ClaimTracker extends ForwardingIdempotencyStore {

    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    private final Set<String> done = ConcurrentHashMap.newKeySet();

    ClaimTracker(IdempotencyStore delegate) {
        super(delegate);
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
        ClaimResult result = super.claim(namespace, id, token, lease);
        if (result.isClaimed()) {
            claimed.add(id);
        }
        return result;
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = super.claimAll(namespace, claims, lease);
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).isClaimed()) {
                claimed.add(claims.get(i).id());
            }
        }
        return results;
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        LeaseOutcome outcome = super.complete(namespace, id, token, retention);
        if (outcome == LeaseOutcome.APPLIED) {
            done.add(id);
        }
        return outcome;
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        List<LeaseOutcome> outcomes = super.completeAll(namespace, leases, retention);
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) == LeaseOutcome.APPLIED) {
                done.add(leases.get(i).id());
            }
        }
        return outcomes;
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        ClaimResult result = super.claimRedriven(namespace, id, token, lease);
        if (result.isClaimed()) {
            claimed.add(id);
        }
        return result;
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = super.claimAllRedriven(namespace, claims, lease);
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).isClaimed()) {
                claimed.add(claims.get(i).id());
            }
        }
        return results;
    }

    /** A dead-lettered id is settled as a done one is: its claim is over. */
    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        LeaseOutcome outcome = super.markDead(namespace, id, token, retention);
        if (outcome == LeaseOutcome.APPLIED) {
            done.add(id);
        }
        return outcome;
    }

    /** Leaves the store open: it is the bench's. */
    @Override
    public void close() {
    }
}
