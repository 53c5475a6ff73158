package dev.keel.core.internal.claims;

import dev.keel.core.internal.util.Batcher;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription's calls to the idempotency store, in its namespace: claims and completions are
 * batched (group commit: one round trip serves every request that arrived meanwhile), calls run on
 * the store's own threads, and an outage pauses the consumer ({@link StorePauses}) until a call
 * succeeds again. Copies re-driven from a dead-letter topic are claimed by its {@link RedriveClaims}.
 */
final class StoreAccess {

    private static final Logger LOG = LoggerFactory.getLogger(StoreAccess.class);
    /** The most ids one store call carries. */
    static final int MAX_BATCH = 500;
    /**
     * How many claim calls, and how many done-mark calls, may be under way at once. A message's key waits for its
     * done mark before its next message runs; with one call at a time that wait is the call under way plus its
     * own, so a store a network hop away held each key for two round trips and more per message.
     */
    static final int CALLS_IN_FLIGHT = 2;

    private final IdempotencyStore store;
    private final String namespace;
    private final ExecutorService executor;
    /** Set when the subscription closed gracefully ({@link #releaseOnCallerOnceClosed}). */
    private volatile boolean releaseOnCaller;
    private final Batcher<Lease, ClaimResult> claims;
    private final Batcher<Lease, LeaseOutcome> completions;
    private final Batcher<Lease, LeaseOutcome> releases;
    private final PendingReleases pendingReleases = new PendingReleases();
    private final RedriveClaims redrivenClaims;
    private final Duration retention;
    private final StoreOutageReports outages;

    StoreAccess(IdempotencyStore store, String topic, String group, String namespace, IdempotencyPolicy policy,
                ExecutorService executor, StorePauses pauses, MetricsRecorder metrics) {
        this.store = store;
        this.namespace = namespace;
        this.executor = executor;
        this.outages = new StoreOutageReports(topic, group, pauses, metrics);
        Duration lease = policy.lease();
        this.retention = policy.retention();
        this.claims = new Batcher<>(batch -> store.claimAll(namespace, batch, lease), executor, MAX_BATCH,
                CALLS_IN_FLIGHT);
        this.completions = new Batcher<>(leases -> store.completeAll(namespace, leases, retention), executor,
                MAX_BATCH, CALLS_IN_FLIGHT, Batcher.Followers.awaited(System::nanoTime));
        this.releases = new Batcher<>(leases -> store.releaseAll(namespace, leases), executor, MAX_BATCH,
                CALLS_IN_FLIGHT);
        this.redrivenClaims = new RedriveClaims(store, namespace, lease, retention, executor, this::markDead, topic,
                group, MAX_BATCH);
    }

    /**
     * Throws the store's {@link IllegalArgumentException} when it can never hold {@code id}; no round trip.
     */
    void checkId(String id) {
        store.checkId(id);
    }

    /** Claims {@code id} for {@code token}; retried with the same token, it finds its own lease (CLAIMED). */
    CompletableFuture<ClaimResult> claim(String id, String token) {
        return claims.submit(new Lease(id, token));
    }

    /**
     * Claims each message's id with its token, in one batch per kind; the results are in the order of
     * {@code toClaim}. A copy re-driven from its dead-letter topic is claimed by {@link RedriveClaims}:
     * it may take a dead id, once per dead letter; any other message finds a dead id a duplicate.
     */
    List<CompletableFuture<ClaimResult>> claimAll(List<Claim> toClaim) {
        List<Lease> plain = new ArrayList<>();
        List<Claim> redriven = new ArrayList<>();
        for (Claim claim : toClaim) {
            if (RedriveClaims.claimsOf(claim)) {
                redriven.add(claim);
            } else {
                plain.add(claim.lease());
            }
        }
        List<CompletableFuture<ClaimResult>> plainResults = plain.isEmpty() ? List.of() : claims.submitAll(plain);
        List<CompletableFuture<ClaimResult>> redrivenResults =
                redriven.isEmpty() ? List.of() : redrivenClaims.claimAll(redriven);
        List<CompletableFuture<ClaimResult>> results = new ArrayList<>(toClaim.size());
        int p = 0;
        int r = 0;
        for (Claim claim : toClaim) {
            results.add(RedriveClaims.claimsOf(claim) ? redrivenResults.get(r++) : plainResults.get(p++));
        }
        return results;
    }

    /** Claims one message's id with its token, as {@link #claimAll} would. */
    CompletableFuture<ClaimResult> claim(Claim claim) {
        return RedriveClaims.claimsOf(claim) ? redrivenClaims.claim(claim) : claims.submit(claim.lease());
    }

    /**
     * For a re-driven copy dead-lettered again, before its id is marked dead: marks the letter it came
     * from used ({@link RedriveClaims#markLetterUsed}); true at once for any other message.
     */
    CompletableFuture<Boolean> markLetterUsed(Claim claim) {
        return redrivenClaims.markLetterUsed(claim);
    }

    /** Marks a dead-lettered id dead (not done), so a re-driven copy may run it again; on the store's threads. */
    CompletableFuture<LeaseOutcome> markDead(Lease lease) {
        return CompletableFuture.supplyAsync(() -> store.markDead(namespace, lease.id(), lease.token(), retention),
                executor);
    }

    /** Renews leases this owner holds: a claim with the token that holds the lease renews it (CLAIMED). */
    List<CompletableFuture<ClaimResult>> renewAll(List<Lease> held) {
        return claims.submitAll(held);
    }

    CompletableFuture<LeaseOutcome> complete(Lease lease) {
        return completions.submit(lease);
    }

    /**
     * Best effort: a release that fails leaves the lease to expire. Releases are batched (group commit, as claims are):
     * a close or a rebalance gives back many messages at once. A claim the subscription holds is released through
     * {@link LeaseKeeper#release}, which orders it after a renewal under way. Once a subscription that closed
     * gracefully ended its store threads, a release (of a claim the store answered only then, or of a handler that
     * outlived the close) runs on the caller's thread: left to expire, it held the id for a whole lease, and a
     * successor's messages of its key behind it. After a crash it is left to expire, as a process killed would.
     * A re-driven copy's claim took its id's dead mark: letting it go puts the mark back (the id marked dead with the
     * claim's token) instead of deleting it, which left the id free for the dead-lettered original, delivered again
     * or replayed, to run beside the copy (RedrivenCopyGivenBackStaysDeadTest).
     * Completes (normally) once the release is done, failed or skipped ({@link #releasesSettled}).
     */
    CompletableFuture<Void> release(Claim claim) {
        boolean redriven = RedriveClaims.claimsOf(claim);
        Lease lease = claim.lease();
        return pendingReleases.track(send(lease, redriven).handle((outcome, error) -> {
            if (error == null) {
                return null;
            }
            Throwable cause = Futures.unwrap(error);
            if (!(cause instanceof RejectedExecutionException) || !executor.isShutdown()) { // the store's own
                LOG.debug("release of message {} failed; its lease will expire: {}", lease.id(),
                        Descriptions.of(cause));
            } else if (releaseOnCaller) {
                releaseNow(lease, redriven);
            } else {
                LOG.debug("release of message {} skipped: its subscription crashed; its lease will expire", lease.id());
            }
            return null;
        }));
    }

    private CompletableFuture<?> send(Lease lease, boolean redriven) {
        if (!redriven) {
            return releases.submit(lease);
        }
        try {
            return markDead(lease);
        } catch (RejectedExecutionException e) { // the store's threads ended
            return CompletableFuture.failedFuture(e);
        }
    }

    private void releaseNow(Lease lease, boolean redriven) {
        try {
            if (redriven) {
                store.markDead(namespace, lease.id(), lease.token(), retention);
            } else {
                store.release(namespace, lease.id(), lease.token());
            }
        } catch (RuntimeException e) {
            LOG.debug("release of message {} failed; its lease will expire: {}", lease.id(), e.toString());
        }
    }

    /** Tracks a release that waits for something first (its claim's answer) among those {@link #releasesSettled}. */
    CompletableFuture<Void> trackRelease(CompletableFuture<Void> release) {
        return pendingReleases.track(release);
    }

    /** Completes once every release asked or tracked so far has finished (done, failed or skipped). */
    CompletionStage<Void> releasesSettled() {
        return pendingReleases.settled();
    }

    /** The subscription closed gracefully: a release its store threads can no longer take runs on the caller's. */
    void releaseOnCallerOnceClosed() {
        releaseOnCaller = true;
    }

    /** Pings the store on its threads: completes normally when it answers. */
    CompletableFuture<Void> ping() {
        return CompletableFuture.runAsync(store::ping, executor);
    }

    void unavailable(Throwable error) {
        outages.unavailable(error);
    }

    void available() {
        outages.available();
    }

    /** Where this subscription reports store outages: also the handler's, from {@code transactional(..)}. */
    StoreOutageReports outages() {
        return outages;
    }
}
