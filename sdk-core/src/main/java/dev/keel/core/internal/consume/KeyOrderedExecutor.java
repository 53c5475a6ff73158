package dev.keel.core.internal.consume;

import dev.keel.core.internal.util.Futures;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * Per-key scheduling over N lanes. A lane is a worker slot, not a hash bucket: any key with a task
 * ready takes any free lane. Each key runs one task at a time, in submission order, and its next
 * task becomes ready only when the previous task's stage has completed (so a task waiting for a
 * backoff holds its lane without holding a thread), or later, when the task holds its key longer than its lane
 * ({@link Task#keyHeldUntil}); a task whose turn came takes a lane only once what it waits for ({@link Task#readyWhen})
 * completed, its key held meanwhile. At most N tasks' stages are outstanding at once. Tasks without a key run in
 * any free lane, with no order among them. Ready keys take free lanes first come, first served (a key whose task
 * waited for its {@code readyWhen} gets in line when that completed), and a key goes to the back of the line after
 * each task, so one busy key cannot starve the others.
 *
 * <p>Memory: a key has an entry only while it has a task queued, running or holding its key; the entry goes when
 * its last task completes (and no longer holds its key), so any number of distinct keys passing through leaves
 * nothing behind. Queued tasks are the caller's to bound (the subscription's {@code maxInFlight} pauses the broker).
 *
 * <p>Each lane tells since when (on the given clock) its current task has held it and how many tasks
 * it has started, to find stalled lanes.
 */
public final class KeyOrderedExecutor {

    private final Executor executor;
    private final Clock clock;
    private final int laneCount;
    /** Since when (clock millis) each lane's current task has held it; -1 when free. */
    private final AtomicLongArray heldSince;
    /** How many tasks each lane has started. */
    private final AtomicLongArray started;

    // guarded by this
    private final Map<String, KeyQueue> keys = new HashMap<>();
    /** Keys whose next task may start (a {@link KeyQueue}) and keyless tasks (a {@link Task}), in arrival order. */
    private final ArrayDeque<Object> ready = new ArrayDeque<>();
    /** The free lanes, the most recently freed first. */
    private final int[] freeLanes;
    private int freeCount;
    /** Keyless tasks waiting for their {@link Task#readyWhen} (neither in {@link #ready} nor in a key's queue). */
    private int keylessWaiting;
    /**
     * How many times the pool refused work, each time dropping what was queued or waiting: a wait that began before
     * a drop gets nothing back in line when it ends.
     */
    private int drops;

    public KeyOrderedExecutor(int laneCount, Executor executor) {
        this(laneCount, executor, Clock.systemUTC());
    }

    public KeyOrderedExecutor(int laneCount, Executor executor, Clock clock) {
        if (laneCount < 1) {
            throw new IllegalArgumentException("laneCount must be >= 1, was " + laneCount);
        }
        this.executor = executor;
        this.clock = clock;
        this.laneCount = laneCount;
        this.heldSince = new AtomicLongArray(laneCount);
        this.started = new AtomicLongArray(laneCount);
        this.freeLanes = new int[laneCount];
        for (int i = 0; i < laneCount; i++) {
            heldSince.set(i, -1);
            freeLanes[i] = laneCount - 1 - i; // lane 0 on top
        }
        this.freeCount = laneCount;
    }

    /**
     * Queues {@code task} behind the earlier tasks of {@code key} (null: no key, runs in any free
     * lane); the returned stage completes with the task's stage.
     */
    public <T> CompletionStage<T> submit(String key, Supplier<? extends CompletionStage<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Task queued = Task.of(key, () -> {
            CompletionStage<T> stage = Futures.call(task);
            stage.whenComplete((v, e) -> {
                if (e == null) {
                    result.complete(v);
                } else {
                    result.completeExceptionally(e);
                }
            });
            return stage;
        });
        synchronized (this) {
            queue(queued);
        }
        dispatch();
        return result;
    }

    /**
     * Queues each of {@code tasks}, in order, as {@link #submit} does, under one lock and with one dispatch: for
     * a batch of records, whose submitter needs no stage back.
     *
     * @return the positions in {@code tasks} of those that wait behind an earlier task of their key, queued, running
     *         or holding its key (empty when none does)
     */
    public BitSet executeAll(List<Task> tasks) {
        BitSet behind = new BitSet();
        synchronized (this) {
            for (int i = 0; i < tasks.size(); i++) {
                if (queue(tasks.get(i))) {
                    behind.set(i);
                }
            }
        }
        dispatch();
        return behind;
    }

    /** Whether the task waits behind an earlier one of its key. Guarded by this. */
    private boolean queue(Task task) {
        if (task.key() == null) {
            ready.addLast(task);
            return false;
        }
        KeyQueue queue = keys.get(task.key());
        if (queue == null) {
            queue = new KeyQueue(task.key());
            keys.put(task.key(), queue);
        }
        queue.tasks.addLast(task);
        if (!queue.running && queue.tasks.size() == 1) {
            ready.addLast(queue);
            return false;
        }
        return true;
    }

    public int laneCount() {
        return laneCount;
    }

    /** Since when (clock millis) {@code lane}'s current task has held it; -1 when the lane is free. */
    public long heldSince(int lane) {
        return heldSince.get(lane);
    }

    /** How many tasks {@code lane} has started: a different count means it moved on. */
    public long started(int lane) {
        return started.get(lane);
    }

    /** How many keys have a task queued, running or holding its key now (the only keys the executor holds state for). */
    public synchronized int trackedKeys() {
        return keys.size();
    }

    /** How many tasks wait for a lane, for their key's previous task or for their {@link Task#readyWhen}. */
    public synchronized int queuedTasks() {
        int n = keylessWaiting;
        for (Object entry : ready) {
            n += entry instanceof Task ? 1 : 0;
        }
        for (KeyQueue queue : keys.values()) {
            n += queue.tasks.size();
        }
        return n;
    }

    /** Starts ready tasks while lanes are free. */
    private void dispatch() {
        while (true) {
            Task task;
            KeyQueue queue = null;
            int lane;
            synchronized (this) {
                if (freeCount == 0 || ready.isEmpty()) {
                    return;
                }
                Object next = ready.pollFirst();
                if (waitsToBeReady(next)) {
                    continue;
                }
                if (next instanceof KeyQueue q) {
                    queue = q;
                    task = q.tasks.pollFirst();
                    q.running = true;
                } else {
                    task = (Task) next;
                }
                lane = freeLanes[--freeCount];
            }
            Task toRun = task;
            KeyQueue of = queue;
            try {
                executor.execute(() -> run(lane, of, toRun));
            } catch (RuntimeException rejected) {
                // the executor is shut down: the subscription is closing and drops what is queued
                synchronized (this) {
                    keys.values().forEach(q -> q.tasks.clear());
                    keys.clear();
                    ready.clear();
                    keylessWaiting = 0;
                    drops++;
                    freeLanes[freeCount++] = lane;
                }
                return;
            }
        }
    }

    /**
     * Whether {@code entry}, its turn come, must wait for its next task's {@link Task#readyWhen} first: it then takes
     * no lane and gets in line again once that completed (its key held meanwhile). Looked at only when a lane is free
     * for it, so a task whose wait ended while it queued costs nothing more. Guarded by this.
     */
    private boolean waitsToBeReady(Object entry) {
        Task head = entry instanceof KeyQueue q ? q.tasks.peekFirst() : (Task) entry;
        if (head.readyWhen() == null) {
            return false;
        }
        CompletableFuture<?> when = head.readyWhen().toCompletableFuture();
        if (when.isDone()) {
            return false;
        }
        boolean keyless = entry instanceof Task;
        if (keyless) {
            keylessWaiting++;
        }
        int dropsBefore = drops;
        when.whenComplete((v, e) -> {
            synchronized (this) {
                if (drops != dropsBefore) {
                    return; // the pool refused work meanwhile, and what was queued or waiting was dropped
                }
                if (keyless) {
                    keylessWaiting--;
                }
                if (entry instanceof KeyQueue q && (q.tasks.isEmpty() || keys.get(q.key) != q)) {
                    return; // emptied meanwhile: the executor was shut down, and what was queued dropped
                }
                ready.addLast(entry);
            }
            dispatch();
        });
        return true;
    }

    private void run(int lane, KeyQueue queue, Task task) {
        heldSince.set(lane, clock.millis());
        started.incrementAndGet(lane);
        CompletionStage<?> stage;
        try {
            stage = task.body.get();
        } catch (Throwable e) { // whatever escapes, the lane is freed
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((v, e) -> completed(lane, queue, task.keyHeldUntil()));
    }

    /**
     * The lane is free; so is the key, unless its task holds it longer ({@code keyHeldUntil} not complete yet), in
     * which case its next task becomes ready once that completes.
     */
    private void completed(int lane, KeyQueue queue, CompletableFuture<?> keyHeldUntil) {
        heldSince.set(lane, -1);
        boolean keyFree = queue == null || keyHeldUntil == null || keyHeldUntil.isDone();
        synchronized (this) {
            freeLanes[freeCount++] = lane;
            if (keyFree) {
                keyFreed(queue);
            }
        }
        if (!keyFree) {
            keyHeldUntil.whenComplete((v, e) -> {
                synchronized (this) {
                    keyFreed(queue);
                }
                dispatch();
            });
        }
        dispatch();
    }

    /** The key's next task, if any, is ready; a key with none leaves. Guarded by this. */
    private void keyFreed(KeyQueue queue) {
        if (queue == null) {
            return;
        }
        queue.running = false;
        if (queue.tasks.isEmpty()) {
            keys.remove(queue.key, queue);
        } else {
            ready.addLast(queue);
        }
    }

    /**
     * One task of {@link #executeAll}: {@code body} runs in a lane once the earlier tasks of {@code key} (null: no
     * key) completed and {@code readyWhen} (null: nothing to wait for) completed, normally or exceptionally, and holds
     * the lane until the stage it returns completes. Its key is held from its turn on, also while it waits for
     * {@code readyWhen}; then as long as its lane, or, when {@code keyHeldUntil} is given, until that completes too:
     * the key's next task waits for it, without a lane.
     */
    public record Task(String key, Supplier<? extends CompletionStage<?>> body, CompletableFuture<?> keyHeldUntil,
                       CompletionStage<?> readyWhen) {

        /** A task ready once its key's turn comes. */
        public Task(String key, Supplier<? extends CompletionStage<?>> body, CompletableFuture<?> keyHeldUntil) {
            this(key, body, keyHeldUntil, null);
        }

        /** A task that holds its key as long as its lane. */
        public static Task of(String key, Supplier<? extends CompletionStage<?>> body) {
            return new Task(key, body, null);
        }
    }

    /**
     * The queued tasks of one key; exists only while the key has a task queued, running or holding its key. Guarded by
     * the executor.
     */
    private static final class KeyQueue {
        final String key;
        final ArrayDeque<Task> tasks = new ArrayDeque<>(2);
        boolean running;

        KeyQueue(String key) {
            this.key = key;
        }
    }
}
