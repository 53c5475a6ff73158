package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.broker.BatchWork.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The key-ordered hand-written loop's done marks: a key's message only after its previous one's, whichever batch
 * it came in; keys in one round; nothing marked after a failure. Its Redis writes are recorded here
 * ({@link PipelinedDedupTest} runs them on a real Redis).
 */
class KeyOrderedDedupTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Records the writes; the claims of the ids in {@link #held} wait for {@link #release}. */
    private static final class RecordedWrites implements DedupWrites {
        final List<List<String>> rounds = Collections.synchronizedList(new ArrayList<>());
        final List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> held;
        final String refused;

        RecordedWrites(List<String> held, String refused) {
            this.held = held;
            this.refused = refused;
        }

        @Override
        public void claim(List<String> keys) {
            if (keys.stream().anyMatch(held::contains)) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (keys.contains(refused)) {
                throw new IllegalStateException("a fresh id was not claimed");
            }
            claimed.addAll(keys);
        }

        @Override
        public void markDone(List<String> keys) {
            rounds.add(List.copyOf(keys));
        }

        List<String> marked() {
            synchronized (rounds) {
                return rounds.stream().flatMap(List::stream).toList();
            }
        }
    }

    @Test
    void aKeysMessageShouldWaitForItsPreviousOneInAnEarlierBatchWhileOtherKeysGoOn() {
        RecordedWrites writes = new RecordedWrites(List.of("a"), null);
        try (KeyOrderedDedup dedup = new KeyOrderedDedup(writes, "")) {
            CompletableFuture<?> first = dedup.handle(List.of(new Received("a", "k1"))).toCompletableFuture();
            CompletableFuture<?> second = dedup.handle(List.of(new Received("b", "k1"), new Received("c", "k2")))
                    .toCompletableFuture();

            // the second batch's claim is answered, the first's held: k2's message goes, k1's waits for "a"
            await().atMost(WAIT).until(() -> writes.marked().contains("c"));
            assertThat(writes.marked()).doesNotContain("a", "b");
            assertThat(second).isNotDone();

            writes.release.countDown();
            first.join();
            second.join();
            assertThat(writes.marked()).containsSubsequence("a", "b");
        }
    }

    @Test
    void aRoundShouldHoldOneMessageOfEveryKeyAndKeylessMessagesTogether() {
        RecordedWrites writes = new RecordedWrites(List.of(), null);
        try (KeyOrderedDedup dedup = new KeyOrderedDedup(writes, "p:")) {
            dedup.handle(List.of(new Received("a", "k1"), new Received("b", "k2"), new Received("c", "k1"),
                    new Received("x", ""), new Received("y", ""), new Received("d", "k1"))).toCompletableFuture()
                    .join();

            assertThat(writes.rounds).containsExactly(List.of("p:a", "p:b", "p:x", "p:y"), List.of("p:c"),
                    List.of("p:d"));
        }
    }

    @Test
    void aFailedClaimShouldFailItsBatchAndEveryLaterOneAndMarkNothingMore() {
        RecordedWrites writes = new RecordedWrites(List.of(), "a");
        try (KeyOrderedDedup dedup = new KeyOrderedDedup(writes, "")) {
            CompletableFuture<?> first = dedup.handle(List.of(new Received("a", "k1"))).toCompletableFuture();
            await().atMost(WAIT).until(first::isDone);
            CompletableFuture<?> second = dedup.handle(List.of(new Received("b", "k1"))).toCompletableFuture();

            assertThat(first).isCompletedExceptionally();
            await().atMost(WAIT).until(second::isDone);
            assertThat(second).isCompletedExceptionally();
            assertThat(writes.marked()).isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(second::join).isInstanceOf(CompletionException.class)
                    .hasRootCauseMessage("a fresh id was not claimed");
        }
    }
}
