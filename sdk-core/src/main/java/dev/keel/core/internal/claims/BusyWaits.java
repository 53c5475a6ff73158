package dev.keel.core.internal.claims;

import dev.keel.ClosedException;
import dev.keel.dedup.ClaimResult;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The messages whose id another consumer holds (BUSY), waiting off their lanes to be claimed again.
 * No timer per message: at each tick (every store retry interval) one batched claim tries every
 * waiting message again, each with its own token, so after a consumer died the messages it held
 * are all claimed in a few round trips as soon as its leases expire. A message still BUSY waits for
 * the next tick; a CLAIMED or DUPLICATE answer ends its wait. A failed batch leaves its messages
 * waiting and reports the store unavailable.
 */
final class BusyWaits {

    private record Waiter(Claim claim, CompletableFuture<ClaimResult> result, long sinceMillis) {
    }

    private final StoreAccess store;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final String topic;
    private final String group;
    /** Guarded by this. */
    private final List<Waiter> waiting = new ArrayList<>();
    /** Waiters whose batch claim is under way; guarded by this. */
    private final List<Waiter> claiming = new ArrayList<>();
    /** Guarded by this. */
    private boolean stopped;

    BusyWaits(StoreAccess store, Clock clock, MetricsRecorder metrics, String topic, String group) {
        this.store = store;
        this.clock = clock;
        this.metrics = metrics;
        this.topic = topic;
        this.group = group;
    }

    /**
     * Waits until the claim's id can be claimed again: the stage completes with the first answer
     * that is not BUSY, or fails when its message is abandoned (its partition revoked) or the
     * subscription stops.
     */
    CompletableFuture<ClaimResult> await(Claim claim) {
        metrics.count(MetricEvent.CLAIM_BUSY, topic, group);
        CompletableFuture<ClaimResult> result = new CompletableFuture<>();
        synchronized (this) {
            if (stopped) {
                return CompletableFuture.failedFuture(new ClosedException("subscription stopped"));
            }
            waiting.add(new Waiter(claim, result, clock.millis()));
        }
        claim.work().abandoned().thenRun(() -> result.completeExceptionally(
                new ClosedException("partition of message " + claim.id() + " revoked")));
        return result;
    }

    /** Claims every waiting message again, in one batch, unless the previous batch is still under way. */
    void tick() {
        List<Waiter> batch;
        synchronized (this) {
            if (stopped || !claiming.isEmpty() || waiting.isEmpty()) {
                return;
            }
            waiting.removeIf(w -> w.result().isDone());
            batch = new ArrayList<>(waiting);
            waiting.clear();
            claiming.addAll(batch);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Claim> claims = new ArrayList<>(batch.size());
        batch.forEach(w -> claims.add(w.claim()));
        long requestedAt = clock.millis();
        List<CompletableFuture<ClaimResult>> results = store.claimAll(claims);
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> claimed(batch, results, requestedAt));
    }

    private void claimed(List<Waiter> batch, List<CompletableFuture<ClaimResult>> results, long requestedAt) {
        List<Waiter> again = new ArrayList<>();
        List<Runnable> answers = new ArrayList<>();
        Throwable error = null;
        for (int i = 0; i < batch.size(); i++) {
            Waiter waiter = batch.get(i);
            CompletableFuture<ClaimResult> result = results.get(i);
            if (result.isCompletedExceptionally()) {
                error = result.handle((r, e) -> e).join();
                again.add(waiter);
                continue;
            }
            ClaimResult claim = result.join();
            if (claim.status() == ClaimResult.Status.BUSY) {
                again.add(waiter);
            } else {
                if (claim.isClaimed()) {
                    // its lease runs from this claim: renewals, and the retry step's check of its age, count from here
                    waiter.claim().renewed(requestedAt);
                }
                answers.add(() -> {
                    if (!waiter.result().complete(claim) && claim.isClaimed()) {
                        // its wait ended meanwhile (revoked, stopped): give the id back at once
                        store.release(waiter.claim());
                    }
                });
            }
        }
        synchronized (this) {
            claiming.clear();
            if (stopped) {
                again.forEach(w -> w.result().completeExceptionally(new ClosedException("subscription stopped")));
            } else {
                waiting.addAll(again);
            }
        }
        if (error != null) {
            store.unavailable(error);
        } else {
            store.available();
        }
        answers.forEach(Runnable::run);
    }

    /** How many messages wait. */
    synchronized int size() {
        return waiting.size() + claiming.size();
    }

    /** How many messages have waited at least {@code millis}. */
    synchronized int waitingLongerThan(long millis) {
        long now = clock.millis();
        int n = 0;
        for (Waiter w : waiting) {
            n += now - w.sinceMillis() >= millis ? 1 : 0;
        }
        for (Waiter w : claiming) {
            n += now - w.sinceMillis() >= millis ? 1 : 0;
        }
        return n;
    }

    /** Ends every wait: the subscription stopped. */
    void stop() {
        List<Waiter> ended;
        synchronized (this) {
            stopped = true;
            ended = new ArrayList<>(waiting);
            ended.addAll(claiming);
            waiting.clear();
        }
        ended.forEach(w -> w.result().completeExceptionally(new ClosedException("subscription stopped")));
    }
}
