package dev.keel.core.internal.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatcherTest {

    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final ExecutorService twoThreads = Executors.newFixedThreadPool(2);

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
        twoThreads.shutdownNow();
    }

    @Test
    void requestsArrivingDuringACallShouldShareTheNextCall() throws Exception {
        CountDownLatch firstCallEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstCall = new CountDownLatch(1);
        List<Integer> callSizes = new CopyOnWriteArrayList<>();
        Batcher<Integer, Integer> batcher = new Batcher<>(inputs -> {
            callSizes.add(inputs.size());
            firstCallEntered.countDown();
            await(releaseFirstCall);
            List<Integer> out = new ArrayList<>();
            inputs.forEach(i -> out.add(i * 10));
            return out;
        }, pool, 100);
        CompletableFuture<Integer> first = batcher.submit(1);
        assertThat(firstCallEntered.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Integer>> rest = batcher.submitAll(List.of(2, 3, 4, 5));
        releaseFirstCall.countDown();
        assertThat(first).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(10);
        for (int i = 0; i < rest.size(); i++) {
            assertThat(rest.get(i)).succeedsWithin(Duration.ofSeconds(10)).isEqualTo((i + 2) * 10);
        }
        assertThat(callSizes).containsExactly(1, 4);
    }

    @Test
    void aSlowCallbackOfOneBatchShouldNotHoldBackTheNextCall() throws Exception {
        CountDownLatch callbackRegistered = new CountDownLatch(1);
        Batcher<Integer, Integer> batcher = new Batcher<>(inputs -> {
            if (inputs.contains(1)) {
                await(callbackRegistered); // so the callback runs where the result is completed
            }
            return new ArrayList<>(inputs);
        }, twoThreads, 100);
        CountDownLatch callbackEntered = new CountDownLatch(1);
        CountDownLatch releaseCallback = new CountDownLatch(1);
        CompletableFuture<Integer> first = batcher.submit(1);
        first.thenRun(() -> {
            callbackEntered.countDown();
            await(releaseCallback);
        });
        callbackRegistered.countDown();
        assertThat(callbackEntered.await(10, TimeUnit.SECONDS)).isTrue();
        // the first batch's callback still runs on its store thread: the next call goes out on the other
        CompletableFuture<Integer> second = batcher.submit(2);
        assertThat(second).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(2);
        releaseCallback.countDown();
    }

    @Test
    void withTwoCallsAllowedARequestArrivingDuringACallShouldGoOutWithoutWaitingForIt() throws Exception {
        CountDownLatch firstCallEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstCall = new CountDownLatch(1);
        Batcher<Integer, Integer> batcher = new Batcher<>(inputs -> {
            if (inputs.contains(1)) {
                firstCallEntered.countDown();
                await(releaseFirstCall);
            }
            return new ArrayList<>(inputs);
        }, twoThreads, 100, 2);
        CompletableFuture<Integer> first = batcher.submit(1);
        assertThat(firstCallEntered.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Integer> second = batcher.submit(2);

        // a store a network hop away: the done mark of a key's message waits for its own round trip only
        assertThat(second).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(2);
        assertThat(first).isNotDone();
        releaseFirstCall.countDown();
        assertThat(first).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(1);
    }

    @Test
    void noMoreCallsThanAllowedShouldRunAtOnce() throws Exception {
        ExecutorService fourThreads = Executors.newFixedThreadPool(4);
        try {
            java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
            CountDownLatch twoEntered = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            Batcher<Integer, Integer> batcher = new Batcher<>(inputs -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                twoEntered.countDown();
                await(release);
                running.decrementAndGet();
                return new ArrayList<>(inputs);
            }, fourThreads, 1, 2);
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                results.add(batcher.submit(i));
            }
            assertThat(twoEntered.await(10, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            results.forEach(r -> assertThat(r).succeedsWithin(Duration.ofSeconds(10)));
            assertThat(most.get()).isEqualTo(2);
        } finally {
            fourThreads.shutdownNow();
        }
    }

    @Test
    void aFailingCallShouldFailEveryRequestOfItsBatch() {
        Batcher<Integer, Integer> batcher = new Batcher<>(inputs -> {
            throw new IllegalStateException("store down");
        }, pool, 10);
        List<CompletableFuture<Integer>> results = batcher.submitAll(List.of(1, 2, 3));
        results.forEach(r -> assertThat(r).failsWithin(Duration.ofSeconds(10)));
    }

    @Test
    void batchesShouldNotExceedMaxBatch() {
        List<Integer> callSizes = new CopyOnWriteArrayList<>();
        Batcher<Integer, Integer> batcher = new Batcher<>(inputs -> {
            callSizes.add(inputs.size());
            return inputs;
        }, pool, 3);
        List<CompletableFuture<Integer>> results = batcher.submitAll(List.of(1, 2, 3, 4, 5, 6, 7));
        results.forEach(r -> assertThat(r).succeedsWithin(Duration.ofSeconds(10)));
        assertThat(callSizes).allMatch(n -> n <= 3);
        assertThat(callSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(7);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A call whose result callbacks each submit a follower, the first call taking {@code firstCallNanos}. */
    private Batcher<String, String> followingBatcher(AtomicLong clock, long firstCallNanos,
                                                    List<List<String>> calls) {
        return new Batcher<>(inputs -> {
            calls.add(List.copyOf(inputs));
            if (inputs.contains("a1")) {
                clock.addAndGet(firstCallNanos);
            }
            return new ArrayList<>(inputs);
        }, twoThreads, 100, 2, Batcher.Followers.awaited(clock::get));
    }

    @Test
    void afterASlowCallTheFollowersOfItsAnswersShouldGoTogetherInTheNextCall() throws Exception {
        AtomicLong clock = new AtomicLong();
        List<List<String>> calls = new CopyOnWriteArrayList<>();
        Batcher<String, String> batcher = followingBatcher(clock, 10_000_000, calls);
        List<CompletableFuture<String>> followers = new CopyOnWriteArrayList<>();
        List<CompletableFuture<String>> first = batcher.submitAll(List.of("a1", "a2"));
        // as a key's next done mark follows its done mark's answer; the clock stands still, so only the
        // followers end the wait
        first.get(0).thenRun(() -> followers.add(batcher.submit("b1")));
        first.get(1).thenRun(() -> followers.add(batcher.submit("b2")));

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> followers.size() == 2);
        for (CompletableFuture<String> follower : followers) {
            assertThat(follower).succeedsWithin(Duration.ofSeconds(10));
        }
        assertThat(calls).containsExactly(List.of("a1", "a2"), List.of("b1", "b2"));
    }

    @Test
    void theWaitForFollowersShouldEndAtAQuarterOfTheLastCall() throws Exception {
        AtomicLong clock = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        List<List<String>> calls = new CopyOnWriteArrayList<>();
        Batcher<String, String> batcher = new Batcher<>(inputs -> {
            calls.add(List.copyOf(inputs));
            if (inputs.contains("a1")) {
                clock.addAndGet(4_000_000);
            }
            return new ArrayList<>(inputs);
        }, twoThreads, 100, 2, Batcher.Followers.awaited(() -> {
            reads.incrementAndGet();
            return clock.get();
        }));
        CompletableFuture<String> alone = new CompletableFuture<>();
        List<CompletableFuture<String>> first = batcher.submitAll(List.of("a1", "a2"));
        first.get(0).thenRun(() -> batcher.submit("b1").whenComplete((v, e) -> alone.complete(v)));
        assertThat(first.get(1)).succeedsWithin(Duration.ofSeconds(10));

        // the call for b1 has set its deadline and looks again: it waits, as the clock has not moved
        long waiting = reads.get() + 3;
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() >= waiting);
        clock.addAndGet(999_999);
        long stillWaiting = reads.get() + 3;
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() >= stillWaiting);
        assertThat(alone).isNotDone();

        clock.addAndGet(2); // past a quarter of the 4 ms call: the one follower goes on its own
        assertThat(alone).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("b1");
        assertThat(calls).containsExactly(List.of("a1", "a2"), List.of("b1"));
    }

    @Test
    void afterAFastCallALoneRequestShouldGoOutAtOnce() throws Exception {
        AtomicLong clock = new AtomicLong(); // never moves: a wait would never end
        List<List<String>> calls = new CopyOnWriteArrayList<>();
        Batcher<String, String> batcher = followingBatcher(clock, 0, calls);
        assertThat(batcher.submitAll(List.of("a1", "a2")).get(1)).succeedsWithin(Duration.ofSeconds(10));

        assertThat(batcher.submit("b1")).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("b1");
    }
}
