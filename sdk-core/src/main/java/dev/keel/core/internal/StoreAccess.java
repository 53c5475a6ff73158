package dev.keel.core.internal;

import dev.keel.KeelHeaders;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription's use of the idempotency store: claims and completions are batched (group
 * commit: one round trip serves every request that arrived meanwhile), calls run on the store's
 * own threads, and an outage pauses the consumer until a call succeeds again. It owns the
 * subscription's {@link LeaseKeeper} (the claims it holds, renewed) and {@link BusyWaits} (the
 * messages waiting for ids another consumer holds).
 */
final class StoreAccess {

    private static final Logger LOG = LoggerFactory.getLogger(StoreAccess.class);
    static final int MAX_BATCH = 500;

    private final IdempotencyStore store;
    private final String namespace;
    private final ExecutorService executor;
    private final Batcher<Lease, ClaimResult> claims;
    private final Batcher<Lease, LeaseOutcome> completions;
    /** Claims of messages re-driven from their dead-letter topic, which may take a dead id. */
    private final Batcher<Lease, ClaimResult> redrivenClaims;
    private final Duration retention;
    private final FlowControl flow;
    private final MetricsRecorder metrics;
    private final String topic;
    private final String group;
    private final LeaseKeeper leases;
    private final BusyWaits busyWaits;

    StoreAccess(IdempotencyStore store, String topic, String group, IdempotencyPolicy policy,
                ExecutorService executor, FlowControl flow, MetricsRecorder metrics, Clock clock) {
        this(store, topic, group, namespaceOf(group, topic), policy, executor, flow, metrics, clock);
    }

    /** As above, with the store namespace given (a broadcast subscription's is its instance's own). */
    StoreAccess(IdempotencyStore store, String topic, String group, String namespace, IdempotencyPolicy policy,
                ExecutorService executor, FlowControl flow, MetricsRecorder metrics, Clock clock) {
        this.store = store;
        this.namespace = namespace;
        this.executor = executor;
        this.flow = flow;
        this.metrics = metrics;
        this.topic = topic;
        this.group = group;
        Duration lease = policy.lease();
        Duration retention = policy.retention();
        this.claims = new Batcher<>(batch -> store.claimAll(namespace, batch, lease), executor, MAX_BATCH);
        this.completions = new Batcher<>(leases -> store.completeAll(namespace, leases, retention), executor, MAX_BATCH);
        this.redrivenClaims = new Batcher<>(batch -> store.claimAllRedriven(namespace, batch, lease), executor,
                MAX_BATCH);
        this.retention = retention;
        this.leases = new LeaseKeeper(this, clock, policy.renewalInterval(), metrics, topic, group);
        this.busyWaits = new BusyWaits(this, clock, metrics, topic, group);
    }

    /** The store namespace of {@code group}'s claims on {@code topic}: {@code <group>:<topic>}. */
    static String namespaceOf(String group, String topic) {
        return group + ":" + topic;
    }

    /** The claims this subscription holds, renewed by its heartbeat. */
    LeaseKeeper leases() {
        return leases;
    }

    /** The messages waiting for ids another consumer holds. */
    BusyWaits busyWaits() {
        return busyWaits;
    }

    /** Claims {@code id} for {@code token}; retried with the same token, it finds its own lease (CLAIMED). */
    CompletableFuture<ClaimResult> claim(String id, String token) {
        return claims.submit(new Lease(id, token));
    }

    List<CompletableFuture<ClaimResult>> claimAll(List<Lease> toClaim) {
        return claims.submitAll(toClaim);
    }

    /**
     * Claims each work's id with its token, in one batch per kind: a message re-driven from its
     * dead-letter topic (header {@link KeelHeaders#REDRIVEN_AT}) may take a dead-lettered id; any other
     * finds it a duplicate. The results are in the order of {@code works}.
     */
    List<CompletableFuture<ClaimResult>> claimAllOf(List<Work> works) {
        List<Lease> plain = new ArrayList<>();
        List<Lease> redriven = new ArrayList<>();
        for (Work work : works) {
            (isRedriven(work) ? redriven : plain).add(new Lease(work.record().id(), work.claimToken()));
        }
        List<CompletableFuture<ClaimResult>> plainResults = plain.isEmpty() ? List.of() : claims.submitAll(plain);
        List<CompletableFuture<ClaimResult>> redrivenResults =
                redriven.isEmpty() ? List.of() : redrivenClaims.submitAll(redriven);
        List<CompletableFuture<ClaimResult>> results = new ArrayList<>(works.size());
        int p = 0;
        int r = 0;
        for (Work work : works) {
            results.add(isRedriven(work) ? redrivenResults.get(r++) : plainResults.get(p++));
        }
        return results;
    }

    /** Claims {@code work}'s id with its token, as {@link #claimAllOf} would. */
    CompletableFuture<ClaimResult> claim(Work work) {
        Lease lease = new Lease(work.record().id(), work.claimToken());
        return isRedriven(work) ? redrivenClaims.submit(lease) : claims.submit(lease);
    }

    /** Marks a dead-lettered id dead (not done), so a re-driven copy may run it again; on the store's threads. */
    CompletableFuture<LeaseOutcome> markDead(Lease lease) {
        return CompletableFuture.supplyAsync(() -> store.markDead(namespace, lease.id(), lease.token(), retention),
                executor);
    }

    private static boolean isRedriven(Work work) {
        return work.record().headers().containsKey(KeelHeaders.REDRIVEN_AT);
    }

    /** Renews leases this owner holds: a claim with the token that holds the lease renews it (CLAIMED). */
    List<CompletableFuture<ClaimResult>> renewAll(List<Lease> held) {
        return claims.submitAll(held);
    }

    CompletableFuture<LeaseOutcome> complete(Lease lease) {
        return completions.submit(lease);
    }

    /**
     * Best effort: a release that fails leaves the lease to expire. A claim the subscription holds is
     * released through {@link LeaseKeeper#release}, which orders it after a renewal under way.
     */
    void release(String id, String token) {
        try {
            executor.execute(() -> {
                try {
                    store.release(namespace, id, token);
                } catch (RuntimeException e) {
                    LOG.debug("release of message {} failed; its lease will expire: {}", id, e.toString());
                }
            });
        } catch (RuntimeException rejected) {
            LOG.debug("release of message {} skipped while closing; its lease will expire", id);
        }
    }

    void unavailable(Throwable error) {
        if (!flow.isStoreDown()) {
            LOG.warn("idempotency store unavailable, pausing consumption of {} for group {} until it returns: {}",
                    topic, group, Futures.unwrap(error).toString());
        }
        metrics.count(MetricEvent.STORE_UNAVAILABLE, topic, group);
        flow.storeDown();
    }

    void available() {
        if (flow.isStoreDown()) {
            LOG.info("idempotency store is back, resuming consumption of {} for group {}", topic, group);
            flow.storeUp();
        }
    }
}
