package dev.keel.core.internal.claims;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims a subscription holds, kept alive by a heartbeat: at each tick (every store retry interval,
 * on the injected clock) one batched claim with each claim's own token renews every claim still held
 * that was last claimed or renewed a renewal interval (a third of the lease) ago or more, whatever its
 * message is doing (waiting for its key or a lane, running, retrying, waiting to be marked done). So the lease
 * only bounds how long a dead consumer's claims outlive it, never how long a message may be handled,
 * and a message done within a third of its lease is never renewed. A claim that looks requested later than now
 * (the clock stepped back) is renewed at the next tick. A renewal that fails is tried
 * again at the next tick (its claims keep their old time); a renewal that finds the id held by
 * another owner reports the lease lost, once. A release waits for a renewal under way that may include it, so a renewal never brings a
 * released claim back.
 */
final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final StoreAccess store;
    private final Clock clock;
    private final long intervalMillis;
    private final MetricsRecorder metrics;
    private final String topic;
    private final String group;
    /** Guarded by this. */
    private final Set<Claim> held = new HashSet<>();
    /** The renewal under way, or a completed stage; guarded by this. */
    private CompletableFuture<Void> renewal = CompletableFuture.completedFuture(null);

    LeaseKeeper(StoreAccess store, Clock clock, Duration renewalInterval, MetricsRecorder metrics, String topic,
                String group) {
        this.store = store;
        this.clock = clock;
        this.intervalMillis = renewalInterval.toMillis();
        this.metrics = metrics;
        this.topic = topic;
        this.group = group;
    }

    /**
     * A prefetched claim was answered CLAIMED: it is renewed until it ends, unless it ended already
     * (its message was dropped and the claim released meanwhile).
     */
    synchronized void hold(Claim claim) {
        if (!claim.isEnded()) {
            held.add(claim);
        }
    }

    /** The step about to run the message holds its claim (CLAIMED): renewed until it ends, even after a lost one. */
    synchronized void claimed(Claim claim) {
        claim.resume();
        held.add(claim);
    }

    /** A claim found its id held by another owner: a claim it held is lost, and reported once. */
    void busy(Claim claim) {
        boolean wasHeld;
        synchronized (this) {
            wasHeld = held.remove(claim);
            claim.end();
        }
        if (wasHeld) {
            lost(claim);
        }
    }

    private void lost(Claim claim) {
        if (!claim.work().wasHandlerCalled()) {
            // its handler never ran (the message waits for its lane, or for its claim to be asked again): it asks again
            // before it runs (waits BUSY), so nothing ran twice (PrefetchedClaimLostTest)
            LOG.debug("claim on message {} from {} was taken by another consumer before its handler ran; it is asked "
                    + "again before the handler runs", claim.id(), topic);
            return;
        }
        if (claim.lost()) {
            metrics.count(MetricEvent.LEASE_LOST, topic, group);
            LOG.warn("claim on message {} from {} was lost before it was marked done: another consumer took the id "
                    + "after its lease expired (renewals failed or this process stalled for longer than the lease), "
                    + "and may run it too, or has", claim.id(), topic);
        }
    }

    /** The claim was marked done (or found lost): it is renewed no more. */
    synchronized void done(Claim claim) {
        claim.end();
        held.remove(claim);
    }

    /**
     * Releases the claim in the store (best effort), once no renewal that may include it is under way; completes
     * (normally) once the release finished.
     */
    CompletableFuture<Void> release(Claim claim) {
        CompletableFuture<Void> pending;
        synchronized (this) {
            claim.end();
            held.remove(claim);
            pending = renewal;
        }
        return store.trackRelease(pending.handle((v, e) -> store.release(claim))
                .thenCompose(released -> released));
    }

    synchronized int size() {
        return held.size();
    }

    /**
     * Renews, in one batch, the held claims last claimed or renewed at least a renewal interval ago (a claim
     * whose renewal failed keeps its old time, so it is due again at the next tick), unless a renewal is under
     * way. A message handled within a third of its lease is never renewed: it costs the store nothing more.
     */
    void tick() {
        long now = clock.millis();
        List<Claim> due = new ArrayList<>();
        CompletableFuture<Void> current;
        synchronized (this) {
            if (!renewal.isDone()) {
                return;
            }
            // given up without a word (the chain failed): nothing to keep
            held.removeIf(c -> c.work().finished().isDone());
            for (Claim claim : held) {
                long age = now - claim.requestedAtMillis();
                // requested "later than now": the clock stepped back since, and its lease runs out in the store by
                // the store's time; renewed now, and timed from then by the clock as it reads (LeaseKeeperTest)
                if (age >= intervalMillis || age < 0) {
                    due.add(claim);
                }
            }
            if (due.isEmpty()) {
                return;
            }
            current = new CompletableFuture<>();
            renewal = current;
        }
        List<Lease> leases = new ArrayList<>(due.size());
        int[] taken = new int[due.size()];
        for (int i = 0; i < due.size(); i++) {
            leases.add(due.get(i).lease());
            taken[i] = due.get(i).taken();
        }
        List<CompletableFuture<ClaimResult>> results = store.renewAll(leases);
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            try {
                renewed(due, taken, results, now);
            } finally {
                current.complete(null);
            }
        });
    }

    private void renewed(List<Claim> due, int[] taken, List<CompletableFuture<ClaimResult>> results,
                         long requestedAt) {
        Throwable error = null;
        int lost = 0;
        for (int i = 0; i < due.size(); i++) {
            Claim claim = due.get(i);
            CompletableFuture<ClaimResult> result = results.get(i);
            if (result.isCompletedExceptionally()) {
                error = result.handle((r, e) -> e).join();
                continue;
            }
            ClaimResult answer = result.join();
            if (claim.taken() != taken[i]) {
                // the step claimed the id again while this renewal was out (a stale claim asked again): the answer
                // speaks of the hold before, and BUSY or DUPLICATE would end the one just taken (LeaseKeeperTest)
                continue;
            }
            if (answer.isClaimed()) {
                claim.renewed(requestedAt);
            } else if (answer.status() == ClaimResult.Status.BUSY && stillHeld(claim)) {
                // another owner took the id: its lease had expired (the store unreachable or this process
                // stalled for longer than the lease)
                lost++;
                busy(claim);
            } else if (answer.status() == ClaimResult.Status.DUPLICATE) {
                // the id is done, by this subscription a moment ago (its handler returned: marking it done says) or
                // by another consumer, which took it after this one's lease ran out: a loss when the handler ran here
                // too. Not renewed any more; a message that has not run, or is between attempts, asks again
                done(claim);
                if (!claim.work().handlerReturned()) {
                    lost(claim);
                }
            }
        }
        if (error != null) {
            store.unavailable(error);
        } else {
            store.available();
        }
        if (lost > 1) {
            LOG.warn("{} claims of topic {} for group {} were lost at one renewal", lost, topic, group);
        }
    }

    private synchronized boolean stillHeld(Claim claim) {
        return held.contains(claim);
    }
}
