package dev.keel.core.internal.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Small helpers for completion stages. */
public final class Futures {

    private Futures() {
    }

    /** The cause behind completion/execution wrappers. */
    public static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CompletionException || cur instanceof ExecutionException) && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }

    /** A stage completing with every future's result, in order, once all completed; failing as the first failed. */
    public static <T> CompletionStage<List<T>> allInOrder(List<CompletableFuture<T>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<T> results = new ArrayList<>(futures.size());
            for (CompletableFuture<T> f : futures) {
                results.add(f.join());
            }
            return results;
        });
    }

    public static <T> CompletableFuture<T> failed(Throwable t) {
        return CompletableFuture.failedFuture(t);
    }

    /** Runs {@code supplier}, turning anything it throws (a sneaky checked throwable too) into a failed stage. */
    public static <T> CompletionStage<T> call(Supplier<? extends CompletionStage<T>> supplier) {
        try {
            return supplier.get();
        } catch (Throwable e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
