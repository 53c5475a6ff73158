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
        return claimed(id, super.claim(namespace, id, token, lease));
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        return claimed(claims, super.claimAll(namespace, claims, lease));
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return claimed(id, super.claimRedriven(namespace, id, token, lease));
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        return claimed(claims, super.claimAllRedriven(namespace, claims, lease));
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return done(id, super.complete(namespace, id, token, retention));
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        List<LeaseOutcome> outcomes = super.completeAll(namespace, leases, retention);
        for (int i = 0; i < outcomes.size(); i++) {
            done(leases.get(i).id(), outcomes.get(i));
        }
        return outcomes;
    }

    /** A dead-lettered id is settled as a done one is: its claim is over. */
    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        return done(id, super.markDead(namespace, id, token, retention));
    }

    private ClaimResult claimed(String id, ClaimResult result) {
        if (result.isClaimed()) {
            claimed.add(id);
        }
        return result;
    }

    private List<ClaimResult> claimed(List<Lease> claims, List<ClaimResult> results) {
        for (int i = 0; i < results.size(); i++) {
            claimed(claims.get(i).id(), results.get(i));
        }
        return results;
    }

    private LeaseOutcome done(String id, LeaseOutcome outcome) {
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
