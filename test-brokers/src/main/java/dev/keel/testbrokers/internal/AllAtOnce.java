package dev.keel.testbrokers.internal;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Runs steps at the same time, a thread each, and returns once all ended: a parallel stream or the common pool runs
 * one or two at a time on two cores, and the nodes of a cluster that wait for each other's quorum must not wait in
 * turn. The first failure is thrown as it was.
 */
public final class AllAtOnce {

    private AllAtOnce() {
    }

    /** {@code step} for each of {@code items}, all at once. */
    public static <T> void each(Collection<T> items, Consumer<? super T> step) {
        run(items.stream().<Runnable>map(item -> () -> step.accept(item)).toArray(Runnable[]::new));
    }

    /** Every one of {@code steps} at once. */
    public static void run(Runnable... steps) {
        if (steps.length == 0) {
            return;
        }
        ExecutorService threads = Executors.newFixedThreadPool(steps.length);
        try {
            CompletableFuture<?>[] running = new CompletableFuture<?>[steps.length];
            for (int i = 0; i < steps.length; i++) {
                running[i] = CompletableFuture.runAsync(steps[i], threads);
            }
            CompletableFuture.allOf(running).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            threads.shutdown();
        }
    }
}
