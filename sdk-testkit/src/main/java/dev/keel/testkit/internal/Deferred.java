package dev.keel.testkit.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Future completions collected under the broker lock and run after it is released, so that no
 * caller's callback ever runs while the broker is locked.
 */
final class Deferred {

    private final List<Runnable> actions = new ArrayList<>();

    void add(Runnable action) {
        actions.add(action);
    }

    <T> void fail(CompletableFuture<T> future, Throwable error) {
        actions.add(() -> future.completeExceptionally(error));
    }

    void run() {
        for (Runnable action : actions) {
            action.run();
        }
        actions.clear();
    }
}
