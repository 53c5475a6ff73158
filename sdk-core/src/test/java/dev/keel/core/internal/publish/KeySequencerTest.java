package dev.keel.core.internal.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One task at a time per key, in submission order; other keys never wait. */
class KeySequencerTest {

    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final KeySequencer sequencer = new KeySequencer(executor);
    private final List<String> started = new CopyOnWriteArrayList<>();

    @AfterEach
    void shutdown() {
        executor.shutdownNow();
    }

    private CompletableFuture<Void> submit(String key, String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        sequencer.submit(key, () -> {
            started.add(name);
            return done;
        });
        return done;
    }

    @Test
    void aKeysNextTaskShouldStartOnlyOnceThePreviousOneFinishedEvenWhenItFailed() {
        CompletableFuture<Void> a1 = submit("a", "a1");
        CompletableFuture<Void> a2 = submit("a", "a2");
        submit("a", "a3");
        submit("b", "b1");
        assertThat(started).as("b does not wait for a").containsExactly("a1", "b1");

        a1.completeExceptionally(new IllegalStateException("failed"));
        await().until(() -> started.size() == 3);
        assertThat(started.get(2)).isEqualTo("a2");
        a2.complete(null);
        await().until(() -> started.size() == 4);
        assertThat(started.get(3)).isEqualTo("a3");
    }

    @Test
    void aKeyShouldBeForgottenOnceItsLastTaskFinished() {
        CompletableFuture<Void> a1 = submit("a", "a1");
        assertThat(sequencer.size()).isEqualTo(1);
        a1.complete(null);
        assertThat(sequencer.size()).isZero();
        submit("a", "a2");
        assertThat(started).as("started at once, nothing before it").containsExactly("a1", "a2");
    }
}
