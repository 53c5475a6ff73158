package dev.keel.dedup.redis;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.redis.internal.LeaseKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures claims per second on any {@link IdempotencyStore}: one {@code claim} per id (a round trip
 * each) against {@code claimAll} in batches (one pipelined round trip per batch), for {@code keel bench}.
 * Every id is fresh, so every claim must come back CLAIMED; anything else fails the run. The claimed
 * keys are left to expire with their lease ({@link #DEFAULT_LEASE}). Figures vary between runs and
 * machines: compare only within one run, and measure tens of thousands of claims (a batched phase of
 * a few thousand is over in milliseconds).
 */
public final class ClaimBenchmark {

    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final int DEFAULT_THREADS = 1;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** Claims per phase run before measuring, so that both paths are compiled (at most {@code claims}). */
    public static final int DEFAULT_WARM_UP_CLAIMS = 10_000;

    /** What one run measured. */
    public record Result(int claims, int batchSize, int threads, double singlePerSecond, double batchedPerSecond) {
        /** How many times more claims per second batching gave. */
        public double speedup() {
            return batchedPerSecond / singlePerSecond;
        }

        @Override
        public String toString() {
            return String.format("%d claims on %d thread(s): single %.0f claims/s, batched (%d per batch) %.0f claims/s, x%.1f",
                    claims, threads, singlePerSecond, batchSize, batchedPerSecond, speedup());
        }
    }

    private ClaimBenchmark() {
    }

    /**
     * Claims {@code claims} fresh ids one by one, then {@code claims} other fresh ids in batches of
     * {@code batchSize}, each phase split over {@code threads} threads, and reports both rates.
     */
    public static Result run(IdempotencyStore store, int claims, int batchSize, int threads) {
        if (claims < 1) {
            throw new IllegalArgumentException("claims must be >= 1, was " + claims);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        if (threads < 1 || threads > claims) {
            throw new IllegalArgumentException("threads must be in [1, claims], was " + threads);
        }
        String run = "keel-bench-" + UUID.randomUUID();
        int warmUp = Math.max(threads, Math.min(claims, DEFAULT_WARM_UP_CLAIMS));
        timed(store, run + ":warmup-single", warmUp, batchSize, threads, false);
        timed(store, run + ":warmup-batched", warmUp, batchSize, threads, true);
        double single = timed(store, run + ":single", claims, batchSize, threads, false);
        double batched = timed(store, run + ":batched", claims, batchSize, threads, true);
        return new Result(claims, batchSize, threads, single, batched);
    }

    /** Claims per second of one phase. */
    private static double timed(IdempotencyStore store, String namespace, int claims, int batchSize, int threads,
                                boolean batched) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> parts = new ArrayList<>(threads);
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int from = (int) ((long) claims * t / threads);
                int to = (int) ((long) claims * (t + 1) / threads);
                String prefix = namespace + "-" + t + "-";
                parts.add(pool.submit(() -> claimRange(store, namespace, prefix, to - from, batchSize, batched)));
            }
            for (Future<?> part : parts) {
                part.get();
            }
            long elapsed = Math.max(1, System.nanoTime() - start);
            return claims * 1e9 / elapsed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("benchmark interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("benchmark failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void claimRange(IdempotencyStore store, String namespace, String idPrefix, int count, int batchSize,
                                   boolean batched) {
        if (!batched) {
            for (int i = 0; i < count; i++) {
                expectClaimed(store.claim(namespace, idPrefix + i, LeaseKeys.newToken(), DEFAULT_LEASE));
            }
            return;
        }
        for (int from = 0; from < count; from += batchSize) {
            List<Lease> claims = new ArrayList<>(batchSize);
            for (int i = from; i < Math.min(count, from + batchSize); i++) {
                claims.add(new Lease(idPrefix + i, LeaseKeys.newToken()));
            }
            store.claimAll(namespace, claims, DEFAULT_LEASE).forEach(ClaimBenchmark::expectClaimed);
        }
    }

    private static void expectClaimed(ClaimResult result) {
        if (!result.isClaimed()) {
            throw new IllegalStateException("a fresh id was not CLAIMED but " + result.status());
        }
    }
}
