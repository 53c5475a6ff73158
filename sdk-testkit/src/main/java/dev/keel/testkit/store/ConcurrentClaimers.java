package dev.keel.testkit.store;

import static dev.keel.dedup.ClaimResult.Status.BUSY;
import static dev.keel.dedup.ClaimResult.Status.CLAIMED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** Runs claimers on their own threads, released together, collects what each got, and checks it. */
final class ConcurrentClaimers {

    private static final long TIMEOUT_SECONDS = 60;

    private ConcurrentClaimers() {
    }

    /** Runs {@code claimer.apply(n)} for n in [0, threads) at once; the results in claimer order. */
    static List<List<ClaimResult>> run(int threads, IntFunction<List<ClaimResult>> claimer) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<ClaimResult>>> futures = new ArrayList<>(threads);
            for (int n = 0; n < threads; n++) {
                int claimerIndex = n;
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return claimer.apply(claimerIndex);
                }));
            }
            if (!ready.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("claimer threads did not start within " + TIMEOUT_SECONDS + " s");
            }
            go.countDown();
            List<List<ClaimResult>> results = new ArrayList<>(threads);
            for (Future<List<ClaimResult>> future : futures) {
                results.add(future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while claimers ran", e);
        } catch (ExecutionException e) {
            throw new AssertionError("a claimer failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("claimers did not finish within " + TIMEOUT_SECONDS + " s", e);
        } finally {
            pool.shutdownNow();
        }
    }

    static void assertExactlyOneClaimPerId(List<String> ids, List<List<ClaimResult>> perClaimer,
                                           IntFunction<List<String>> orderOf) {
        Map<String, Integer> claimed = new HashMap<>();
        for (int n = 0; n < perClaimer.size(); n++) {
            List<String> order = orderOf.apply(n);
            List<ClaimResult> results = perClaimer.get(n);
            assertThat(results).hasSize(order.size());
            for (int i = 0; i < order.size(); i++) {
                assertThat(results.get(i).status()).as("claim of %s", order.get(i)).isIn(CLAIMED, BUSY);
                if (results.get(i).isClaimed()) {
                    claimed.merge(order.get(i), 1, Integer::sum);
                }
            }
        }
        for (String id : ids) {
            assertThat(claimed.get(id)).as("claimers that got CLAIMED for %s", id).isEqualTo(1);
        }
    }

    static List<String> idRange(String prefix, int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    static List<String> rotated(List<String> ids, int by) {
        List<String> copy = new ArrayList<>(ids);
        Collections.rotate(copy, by);
        return copy;
    }
}
