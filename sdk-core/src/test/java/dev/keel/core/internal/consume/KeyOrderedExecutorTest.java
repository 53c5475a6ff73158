package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyOrderedExecutorTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 2024})
    void perKeyOrderShouldHoldWhenStagesCompleteInRandomOrder(int seed) {
        Random random = new Random(seed);
        int lanes = 8;
        KeyOrderedExecutor executor = new KeyOrderedExecutor(lanes, pool);
        int keys = 40;
        int perKey = 50;
        Map<String, List<Integer>> started = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> runningOfKey = new ConcurrentHashMap<>();
        AtomicInteger outstanding = new AtomicInteger();
        AtomicInteger maxOutstanding = new AtomicInteger();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        LinkedBlockingQueue<Runnable> completions = new LinkedBlockingQueue<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int seq = 0; seq < perKey; seq++) {
            for (int k = 0; k < keys; k++) {
                String key = "key-" + k;
                int s = seq;
                results.add(executor.submit(key, () -> {
                    maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
                    if (runningOfKey.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet() != 1) {
                        overlaps.add(key);
                    }
                    started.computeIfAbsent(key, x -> new CopyOnWriteArrayList<>()).add(s);
                    CompletableFuture<Integer> stage = new CompletableFuture<>();
                    completions.add(() -> {
                        runningOfKey.get(key).decrementAndGet();
                        outstanding.decrementAndGet();
                        stage.complete(s);
                    });
                    return stage;
                }).toCompletableFuture());
            }
        }
        completeInRandomOrder(completions, results, random);
        assertThat(overlaps).as("two tasks of one key outstanding at once").isEmpty();
        assertThat(maxOutstanding.get()).as("stages outstanding at once").isLessThanOrEqualTo(lanes);
        assertThat(started).hasSize(keys);
        started.forEach((key, seqs) -> assertThat(seqs).as("start order of %s", key).isSorted().hasSize(perKey));
        assertThat(executor.trackedKeys()).isZero();
    }

    @Test
    void perKeyOrderShouldHoldWithManySubmittingAndCompletingThreads() throws Exception {
        int lanes = 6;
        int submitters = 4;
        int keysPerSubmitter = 25;
        int perKey = 40;
        ExecutorService completers = Executors.newFixedThreadPool(3);
        ExecutorService submitting = Executors.newFixedThreadPool(submitters);
        try {
            KeyOrderedExecutor executor = new KeyOrderedExecutor(lanes, pool);
            Map<String, List<Integer>> started = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> runningOfKey = new ConcurrentHashMap<>();
            AtomicInteger outstanding = new AtomicInteger();
            AtomicInteger maxOutstanding = new AtomicInteger();
            List<String> overlaps = new CopyOnWriteArrayList<>();
            List<CompletableFuture<?>> results = Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<?>> submitted = new ArrayList<>();
            for (int t = 0; t < submitters; t++) {
                int thread = t;
                submitted.add(CompletableFuture.runAsync(() -> {
                    for (int seq = 0; seq < perKey; seq++) {
                        for (int k = 0; k < keysPerSubmitter; k++) {
                            String key = "t" + thread + "-k" + k;
                            int s = seq;
                            results.add(executor.submit(key, () -> {
                                maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
                                if (runningOfKey.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet() != 1) {
                                    overlaps.add(key);
                                }
                                started.computeIfAbsent(key, x -> new CopyOnWriteArrayList<>()).add(s);
                                return CompletableFuture.runAsync(() -> {
                                    runningOfKey.get(key).decrementAndGet();
                                    outstanding.decrementAndGet();
                                }, completers);
                            }).toCompletableFuture());
                        }
                    }
                }, submitting));
            }
            CompletableFuture.allOf(submitted.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> results.stream().allMatch(CompletableFuture::isDone));
            assertThat(overlaps).as("two tasks of one key outstanding at once").isEmpty();
            assertThat(maxOutstanding.get()).as("stages outstanding at once").isLessThanOrEqualTo(lanes);
            assertThat(started).hasSize(submitters * keysPerSubmitter);
            started.forEach((key, seqs) -> assertThat(seqs).as("start order of %s", key).isSorted().hasSize(perKey));
            assertThat(executor.trackedKeys()).isZero();
        } finally {
            completers.shutdownNow();
            submitting.shutdownNow();
        }
    }

    @Test
    void aKeyWaitingForItsStageShouldNotHoldBackOtherKeys() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(2, pool);
        CompletableFuture<Void> slow = new CompletableFuture<>();
        executor.submit("slow", () -> slow);
        List<CompletableFuture<String>> others = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String key = "k" + i;
            others.add(executor.submit(key, () -> CompletableFuture.completedFuture(key)).toCompletableFuture());
        }
        await().atMost(WAIT).until(() -> others.stream().allMatch(CompletableFuture::isDone));
        assertThat(slow).isNotDone();
        slow.complete(null);
    }

    @Test
    void aTaskHoldingItsKeyLongerThanItsLaneShouldFreeTheLaneButHoldBackItsKeysNextTask() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(1, pool);
        CompletableFuture<Void> firstFinished = new CompletableFuture<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        BitSet behind = executor.executeAll(List.of(
                new KeyOrderedExecutor.Task("k", () -> run(ran, "k1"), firstFinished),
                KeyOrderedExecutor.Task.of("k", () -> run(ran, "k2")),
                KeyOrderedExecutor.Task.of("other", () -> run(ran, "other"))));

        assertThat(behind.stream().boxed().toList()).as("the tasks queued behind an earlier one of their key")
                .containsExactly(1);
        await().atMost(WAIT).until(() -> ran.contains("other")); // the one lane went on to another key
        assertThat(ran).as("the key's next task waits for the first one to finish").containsExactly("k1", "other");
        await("k held, though none of its tasks holds a lane; other's entry gone").atMost(WAIT)
                .until(() -> executor.trackedKeys() == 1);
        assertThat(executor.executeAll(List.of(KeyOrderedExecutor.Task.of("k", () -> run(ran, "k3")))).get(0))
                .as("a task of the held key queues behind").isTrue();

        firstFinished.complete(null);
        await().atMost(WAIT).until(() -> ran.size() == 4);
        assertThat(ran).containsExactly("k1", "other", "k2", "k3");
        await().atMost(WAIT).until(() -> executor.trackedKeys() == 0);
    }

    @Test
    void aTaskNotReadyYetShouldTakeNoLaneAndHoldBackItsKeysLaterTasks() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(1, pool);
        CompletableFuture<Void> claimAnswered = new CompletableFuture<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        BitSet behind = executor.executeAll(List.of(
                new KeyOrderedExecutor.Task("k", () -> run(ran, "k1"), null, claimAnswered),
                KeyOrderedExecutor.Task.of("k", () -> run(ran, "k2")),
                KeyOrderedExecutor.Task.of("other", () -> run(ran, "other"))));

        assertThat(behind.stream().boxed().toList()).as("the tasks queued behind an earlier one of their key")
                .containsExactly(1);
        await("the one lane went to the task that was ready").atMost(WAIT).until(() -> ran.contains("other"));
        assertThat(ran).as("k's first task waits for what it needs, its next one behind it, neither in a lane")
                .containsExactly("other");
        assertThat(executor.queuedTasks()).as("k's two tasks still queued").isEqualTo(2);
        await("the lane is free again, k's task not in it").atMost(WAIT).until(() -> executor.heldSince(0) == -1);
        assertThat(ran).containsExactly("other");

        claimAnswered.complete(null);
        await().atMost(WAIT).until(() -> ran.size() == 3);
        assertThat(ran).as("k's tasks in their order once the first is ready").containsExactly("other", "k1", "k2");
        await().atMost(WAIT).until(() -> executor.trackedKeys() == 0);
    }

    @Test
    void aTaskWhoseWaitFailedShouldStillRunAndAKeylessOneShouldCountAsQueuedMeanwhile() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(2, pool);
        CompletableFuture<Void> keyed = new CompletableFuture<>();
        CompletableFuture<Void> keyless = new CompletableFuture<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        executor.executeAll(List.of(
                new KeyOrderedExecutor.Task("k", () -> run(ran, "k1"), null, keyed),
                new KeyOrderedExecutor.Task(null, () -> run(ran, "no key"), null, keyless)));
        assertThat(executor.queuedTasks()).as("both wait, neither in a lane").isEqualTo(2);
        assertThat(ran).isEmpty();

        keyed.completeExceptionally(new IllegalStateException("the store call failed"));
        keyless.complete(null);
        await().atMost(WAIT).until(() -> ran.size() == 2);
        assertThat(ran).as("a failed wait runs the task too: the task tells the failure apart")
                .containsExactlyInAnyOrder("k1", "no key");
        assertThat(executor.queuedTasks()).isZero();
    }

    @Test
    void aTaskWaitingToBeReadyWhenThePoolShutDownShouldBeDroppedWithWhatWasQueued() {
        ExecutorService closing = Executors.newSingleThreadExecutor();
        KeyOrderedExecutor executor = new KeyOrderedExecutor(2, closing);
        CompletableFuture<Void> claimAnswered = new CompletableFuture<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        executor.executeAll(List.of(new KeyOrderedExecutor.Task("k", () -> run(ran, "k1"), null, claimAnswered)));
        closing.shutdown();
        executor.executeAll(List.of(KeyOrderedExecutor.Task.of("other", () -> run(ran, "other")))); // refused: dropped

        claimAnswered.complete(null); // k's emptied queue must not get back in line
        executor.executeAll(List.of(KeyOrderedExecutor.Task.of("later", () -> run(ran, "later"))));

        assertThat(ran).as("nothing runs once the pool refused work").isEmpty();
        assertThat(executor.queuedTasks()).isZero();
        assertThat(executor.trackedKeys()).isZero();
    }

    @Test
    void aKeylessTaskWaitingToBeReadyWhenThePoolShutDownShouldNotCountAsQueuedAfterwards() {
        ExecutorService closing = Executors.newSingleThreadExecutor();
        KeyOrderedExecutor executor = new KeyOrderedExecutor(2, closing);
        CompletableFuture<Void> claimAnswered = new CompletableFuture<>(); // never answered: the store went away
        List<String> ran = new CopyOnWriteArrayList<>();
        executor.executeAll(List.of(new KeyOrderedExecutor.Task(null, () -> run(ran, "keyless"), null, claimAnswered)));
        assertThat(executor.queuedTasks()).as("waiting for its claim").isOne();
        closing.shutdown();
        executor.executeAll(List.of(KeyOrderedExecutor.Task.of(null, () -> run(ran, "other")))); // refused: dropped

        assertThat(executor.queuedTasks()).as("dropped with what was queued").isZero();
        claimAnswered.complete(null);
        assertThat(executor.queuedTasks()).isZero();
        assertThat(ran).isEmpty();
    }

    @Test
    void aKeyedTaskWaitingToBeReadyAfterThePoolShutDownShouldBeDroppedOnceItsWaitEnds() {
        ExecutorService closing = Executors.newSingleThreadExecutor();
        KeyOrderedExecutor executor = new KeyOrderedExecutor(2, closing);
        List<String> ran = new CopyOnWriteArrayList<>();
        closing.shutdown();
        executor.executeAll(List.of(KeyOrderedExecutor.Task.of("first", () -> run(ran, "first")))); // refused: dropped
        CompletableFuture<Void> claimAnswered = new CompletableFuture<>();
        executor.executeAll(List.of(new KeyOrderedExecutor.Task("k", () -> run(ran, "k1"), null, claimAnswered)));
        assertThat(executor.trackedKeys()).as("waiting for its claim").isOne();

        claimAnswered.complete(null); // back in line, refused by the pool, dropped

        assertThat(executor.trackedKeys()).isZero();
        assertThat(executor.queuedTasks()).isZero();
        assertThat(ran).isEmpty();
    }

    private static CompletableFuture<Void> run(List<String> ran, String name) {
        ran.add(name);
        return CompletableFuture.completedFuture(null);
    }

    @Test
    void aStageWaitingForABackoffShouldHoldItsLaneButNoThread() {
        ExecutorService oneThread = Executors.newSingleThreadExecutor();
        try {
            KeyOrderedExecutor executor = new KeyOrderedExecutor(2, oneThread);
            CompletableFuture<Void> backoff = new CompletableFuture<>();
            executor.submit("a", () -> backoff);
            CompletableFuture<String> b = executor.submit("b", () -> CompletableFuture.completedFuture("ran"))
                    .toCompletableFuture();
            assertThat(b).succeedsWithin(WAIT).isEqualTo("ran");
            assertThat(executor.heldSince(0)).as("lane 0 held by a's stage").isNotNegative();
            backoff.complete(null);
        } finally {
            oneThread.shutdownNow();
        }
    }

    @Test
    void distinctKeysShouldRunInParallelUpToTheLaneCount() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(4, pool);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AtomicInteger running = new AtomicInteger();
        List<CompletableFuture<Void>> results = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            results.add(executor.submit("k" + k, () -> {
                running.incrementAndGet();
                return gate;
            }).toCompletableFuture());
        }
        await().atMost(WAIT).untilAtomic(running, Matchers.equalTo(4));
        assertThat(executor.queuedTasks()).as("two keys wait for a free lane").isEqualTo(2);
        gate.complete(null);
        await().atMost(WAIT).until(() -> results.stream().allMatch(CompletableFuture::isDone));
        assertThat(running).hasValue(6);
    }

    @Test
    void keylessTasksShouldSpreadOverAllLanes() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(4, pool);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AtomicInteger running = new AtomicInteger();
        for (int i = 0; i < 4; i++) {
            executor.submit(null, () -> {
                running.incrementAndGet();
                return gate;
            });
        }
        await().atMost(WAIT).untilAtomic(running, Matchers.equalTo(4));
        assertThat(executor.trackedKeys()).isZero();
        gate.complete(null);
    }

    @Test
    void manyDistinctKeysShouldLeaveNoKeyStateBehind() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(8, pool);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        int keys = 200_000;
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < keys; i++) {
            executor.submit("key-" + i, () -> {
                ran.incrementAndGet();
                return gate;
            });
        }
        await().atMost(WAIT).untilAtomic(ran, Matchers.equalTo(8));
        assertThat(executor.trackedKeys()).as("keys with work queued or running").isEqualTo(keys);
        gate.complete(null);
        await().atMost(Duration.ofSeconds(60)).untilAtomic(ran, Matchers.equalTo(keys));
        await().atMost(WAIT).until(() -> executor.trackedKeys() == 0);
        assertThat(executor.queuedTasks()).isZero();
    }

    @Test
    void aThrowingTaskShouldNotBlockItsKey() {
        KeyOrderedExecutor executor = new KeyOrderedExecutor(1, pool);
        CompletableFuture<Object> failed = executor.submit("k", () -> {
            throw new IllegalStateException("boom");
        }).toCompletableFuture();
        CompletableFuture<String> next = executor.submit("k", () -> CompletableFuture.completedFuture("ran"))
                .toCompletableFuture();
        assertThat(next).succeedsWithin(WAIT).isEqualTo("ran");
        assertThat(failed).isCompletedExceptionally();
    }

    /** Completes the outstanding stages, a batch at a time in a random order, until every task has run. */
    private static void completeInRandomOrder(LinkedBlockingQueue<Runnable> completions,
                                              List<? extends CompletableFuture<?>> results, Random random) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!results.stream().allMatch(CompletableFuture::isDone) && System.nanoTime() < deadline) {
            List<Runnable> batch = new ArrayList<>();
            try {
                Runnable first = completions.poll(50, TimeUnit.MILLISECONDS);
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
        await().atMost(WAIT).until(() -> results.stream().allMatch(CompletableFuture::isDone));
    }
}
