package dev.keel.core.internal.deadletters;

import dev.keel.core.internal.claims.Claims;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * The marks a reprocess forgets in one namespace, remembered so that they can be put back when the
 * rewind that should follow fails. Per batch of ids, nothing is forgotten before the store told
 * what each id is: a plain claim with a lease that ends at once tells marked ids (DUPLICATE) from the
 * others (an id with no mark is held for that moment only; one a consumer holds is left alone); a
 * re-driven claim of the marked ones tells dead (taken, so forgotten, as the lease ends) from done
 * (DUPLICATE), and the done ones are then forgotten ({@link IdempotencyStore#forgetAll}). A restore
 * claims each remembered id that has no mark now and marks it done or dead again, as it was, for
 * {@link #RESTORED_RETENTION} (the store kept no trace of the original retention). Holds every
 * forgotten id in memory until it is dropped. Used by one thread.
 */
public final class ForgottenMarks {

    /** Ids forgotten (or restored) per store call. */
    public static final int BATCH = 500;

    /** How long a restored mark is kept: the default retention, counted from the restore. */
    public static final Duration RESTORED_RETENTION = IdempotencyPolicy.DEFAULT_RETENTION;

    private final IdempotencyStore store;
    private final String namespace;
    private final String token = "reprocess-" + UUID.randomUUID();
    private final List<String> done = new ArrayList<>();
    private final List<String> dead = new ArrayList<>();
    private int forgotten;
    private int restored;

    public ForgottenMarks(IdempotencyStore store, String namespace) {
        this.store = store;
        this.namespace = namespace;
    }

    /** Forgets the done and dead marks of {@code ids}. */
    public void forget(List<String> ids) {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(ids));
        List<ClaimResult> probed = store.claimAll(namespace, leases(distinct), Claims.PROBE_LEASE);
        List<String> marked = new ArrayList<>();
        for (int i = 0; i < distinct.size(); i++) {
            if (probed.get(i).status() == ClaimResult.Status.DUPLICATE) {
                marked.add(distinct.get(i));
            }
        }
        if (marked.isEmpty()) {
            return;
        }
        List<ClaimResult> split = store.claimAllRedriven(namespace, leases(marked), Claims.PROBE_LEASE);
        List<String> doneOnes = new ArrayList<>();
        for (int i = 0; i < marked.size(); i++) {
            ClaimResult.Status status = split.get(i).status();
            if (status == ClaimResult.Status.CLAIMED) {
                dead.add(marked.get(i)); // taken from dead for a moment: no mark once the probe's lease ends
                forgotten++;
            } else if (status == ClaimResult.Status.DUPLICATE) {
                doneOnes.add(marked.get(i));
            }
        }
        if (doneOnes.isEmpty()) {
            return;
        }
        // remembered before forgetting: a forget that fails part way may still have forgotten some
        done.addAll(doneOnes);
        forgotten += store.forgetAll(namespace, doneOnes);
    }

    /** How many marks were forgotten so far. */
    public int forgotten() {
        return forgotten;
    }

    /** How many forgotten marks were put back so far. */
    public int restored() {
        return restored;
    }

    /**
     * Puts the forgotten marks back, done or dead as each was: an id that has a mark again (or is
     * held) is left as it is. Counts into {@link #restored()} as it goes.
     *
     * @throws dev.keel.StoreUnavailableException when the store fails; what was restored until then stays
     */
    public void restore() {
        for (int from = 0; from < done.size(); from += BATCH) {
            List<Lease> claimed = claimAbsent(done.subList(from, Math.min(done.size(), from + BATCH)));
            if (!claimed.isEmpty()) {
                for (LeaseOutcome outcome : store.completeAll(namespace, claimed, RESTORED_RETENTION)) {
                    restored += outcome == LeaseOutcome.APPLIED ? 1 : 0;
                }
            }
        }
        for (int from = 0; from < dead.size(); from += BATCH) {
            for (Lease lease : claimAbsent(dead.subList(from, Math.min(dead.size(), from + BATCH)))) {
                restored += store.markDead(namespace, lease.id(), lease.token(), RESTORED_RETENTION)
                        == LeaseOutcome.APPLIED ? 1 : 0;
            }
        }
    }

    /** Claims each of {@code ids} that has no mark; the leases of those it claimed. */
    private List<Lease> claimAbsent(List<String> ids) {
        List<Lease> leases = leases(ids);
        List<ClaimResult> results = store.claimAll(namespace, leases, IdempotencyPolicy.DEFAULT_LEASE);
        List<Lease> claimed = new ArrayList<>();
        for (int i = 0; i < leases.size(); i++) {
            if (results.get(i).isClaimed()) {
                claimed.add(leases.get(i));
            }
        }
        return claimed;
    }

    private List<Lease> leases(List<String> ids) {
        List<Lease> leases = new ArrayList<>(ids.size());
        ids.forEach(id -> leases.add(new Lease(id, token)));
        return leases;
    }
}
