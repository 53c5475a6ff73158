package dev.keel.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class KeyOrderedExecutorTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 2024})
    void perKeyOrderShouldHoldWhenStagesCompleteInRandomOrder(int seed) {
        Random random = new Random(seed);
        KeyOrderedExecutor executor = new KeyOrderedExecutor(8, pool);
        int keys = 40;
        int perKey = 50;
        Map<String, List<Integer>> started = new ConcurrentHashMap<>();
        AtomicInteger[] runningPerLane = new AtomicInteger[8];
        for (int i = 0; i < 8; i++) {
            runningPerLane[i] = new AtomicInteger();
        }
        List<Integer> overlaps = new CopyOnWriteArrayList<>();
        LinkedBlockingQueue<Runnable> completions = new LinkedBlockingQueue<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        List<String> submissionOrder = new ArrayList<>();
        for (int seq = 0; seq < perKey; seq++) {
            for (int k = 0; k < keys; k++) {
                submissionOrder.add("key-" + k + ":" + seq);
            }
        }
        for (String item : submissionOrder) {
            String key = item.substring(0, item.indexOf(':'));
            int seq = Integer.parseInt(item.substring(item.indexOf(':') + 1));
            int lane = executor.laneFor(key);
            results.add(executor.submit(key, () -> {
                if (runningPerLane[lane].incrementAndGet() != 1) {
                    overlaps.add(lane);
                }
                started.computeIfAbsent(key, x -> new CopyOnWriteArrayList<>()).add(seq);
                CompletableFuture<Integer> stage = new CompletableFuture<>();
                completions.add(() -> {
                    runningPerLane[lane].decrementAndGet();
                    stage.complete(seq);
                });
                return stage;
            }).toCompletableFuture());
        }
        // complete outstanding stages in a random order until every task has run
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!results.stream().allMatch(CompletableFuture::isDone) && System.nanoTime() < deadline) {
            List<Runnable> batch = new ArrayList<>();
            try {
                Runnable first = completions.poll(50, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            completions.drainTo(batch);
            Collections.shuffle(batch, random);
            batch.forEach(Runnable::run);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> results.stream().allMatch(CompletableFuture::isDone));
        assertThat(overlaps).as("two tasks of one lane ran at once").isEmpty();
        assertThat(started).hasSize(keys);
        started.forEach((key, seqs) -> assertThat(seqs).as("start order of %s", key).isSorted().hasSize(perKey));
    }

    @Test
    void differentLanesShouldRunInParallel() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(4, pool);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AtomicInteger running = new AtomicInteger();
        for (int lane = 0; lane < 4; lane++) {
            executor.submitToLane(lane, () -> {
                running.incrementAndGet();
                return gate;
            });
        }
        await().atMost(Duration.ofSeconds(10)).untilAtomic(running, org.hamcrest.Matchers.equalTo(4));
        gate.complete(null);
    }

    @Test
    void aThrowingTaskShouldNotBlockItsLane() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(1, pool);
        CompletableFuture<Object> failed = executor.submit("k", () -> {
            throw new IllegalStateException("boom");
        }).toCompletableFuture();
        CompletableFuture<String> next = executor.submit("k", () -> CompletableFuture.completedFuture("ran"))
                .toCompletableFuture();
        assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("ran");
        assertThat(failed).isCompletedExceptionally();
    }
}
