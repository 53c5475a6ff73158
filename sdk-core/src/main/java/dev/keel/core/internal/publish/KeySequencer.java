package dev.keel.core.internal.publish;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Runs the tasks of one key one at a time, in the order they were submitted: a task starts once
 * the stage of the previous task of its key has completed (normally or not). Tasks of other keys
 * do not wait. Holds an entry only per key with a task not yet finished. Thread-safe.
 */
public final class KeySequencer {

    private final Map<Object, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final Executor executor;

    /** @param executor where a task waiting for its predecessor starts, off the thread that completed it */
    public KeySequencer(Executor executor) {
        this.executor = executor;
    }

    /** Starts {@code task} now if its key has no unfinished task, else after the last one of its key. */
    public void submit(Object key, Supplier<? extends CompletionStage<?>> task) {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        CompletableFuture<Void> previous = tails.put(key, finished);
        Runnable start = () -> {
            CompletionStage<?> stage;
            try {
                stage = task.get();
            } catch (Throwable e) { // whatever escapes, the key's next publish is not held for ever
                stage = CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((result, error) -> {
                tails.remove(key, finished);
                finished.complete(null);
            });
        };
        if (previous == null) {
            start.run();
        } else {
            previous.whenComplete((v, e) -> {
                try {
                    executor.execute(start);
                } catch (RejectedExecutionException shutDown) {
                    start.run();
                }
            });
        }
    }

    /** Keys with a task not yet finished. */
    public int size() {
        return tails.size();
    }
}
