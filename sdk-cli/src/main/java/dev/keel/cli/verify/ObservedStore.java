package dev.keel.cli.verify;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.spi.support.ForwardingIdempotencyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A transparent wrapper around the idempotency store that counts the duplicates it reported and
 * tells verify when an id was completed (marked done or dead, or found its lease lost) or released: its
 * claim settled, its effect out of the crash window. A complete that throws settles nothing.
 */
final class ObservedStore extends ForwardingIdempotencyStore {

    private final Consumer<String> settled;
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder busy = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final Set<String> lostIds = ConcurrentHashMap.newKeySet();

    ObservedStore(IdempotencyStore delegate, Consumer<String> settled) {
        super(delegate);
        this.settled = settled;
    }

    long duplicates() {
        return duplicates.sum();
    }

    long busy() {
        return busy.sum();
    }

    /** Completes that found their lease gone (the id was not marked done). */
    long lost() {
        return lost.sum();
    }

    /** The ids of those completes. */
    Set<String> lostIds() {
        return Set.copyOf(lostIds);
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return count(super.claim(namespace, id, token, lease));
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = super.claimAll(namespace, claims, lease);
        results.forEach(this::count);
        return results;
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        LeaseOutcome outcome = outcome(id, super.complete(namespace, id, token, retention));
        settled.accept(id); // a complete that failed leaves the id in the window: the engine tries again
        return outcome;
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        List<LeaseOutcome> outcomes = super.completeAll(namespace, leases, retention);
        for (int i = 0; i < outcomes.size(); i++) {
            outcome(leases.get(i).id(), outcomes.get(i));
        }
        leases.forEach(l -> settled.accept(l.id()));
        return outcomes;
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        try {
            return super.release(namespace, id, token);
        } finally {
            settled.accept(id);
        }
    }

    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        try {
            return super.releaseAll(namespace, leases);
        } finally {
            leases.forEach(l -> settled.accept(l.id()));
        }
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return count(super.claimRedriven(namespace, id, token, lease));
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = super.claimAllRedriven(namespace, claims, lease);
        results.forEach(this::count);
        return results;
    }

    /** A dead-lettered id settles as a completed one does: its claim is over. */
    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        LeaseOutcome outcome = outcome(id, super.markDead(namespace, id, token, retention));
        settled.accept(id);
        return outcome;
    }

    private ClaimResult count(ClaimResult result) {
        if (result.status() == ClaimResult.Status.DUPLICATE) {
            duplicates.increment();
        } else if (result.status() == ClaimResult.Status.BUSY) {
            busy.increment();
        }
        return result;
    }

    private LeaseOutcome outcome(String id, LeaseOutcome outcome) {
        if (outcome == LeaseOutcome.LOST) {
            lost.increment();
            lostIds.add(id);
        }
        return outcome;
    }
}
