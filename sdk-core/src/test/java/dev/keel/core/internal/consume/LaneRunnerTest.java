package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.core.internal.chain.Outcome;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Under per-key ordering a key's next message waits until the previous one finished (marked done and acknowledged,
 * not only handled). The lanes hold each key until its last message finished, and nothing of keys whose messages
 * all finished: any number of distinct keys passing through leaves nothing behind.
 */
class LaneRunnerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    /** Each message's outcome, completed by the test when the key's order is what it checks. */
    private final Map<String, CompletableFuture<Outcome>> outcomes = new ConcurrentHashMap<>();
    private final List<String> started = new ArrayList<>();
    private final InFlight inFlight = new InFlight(new FlowControl(new IdleConsumer(), 100_000, Long.MAX_VALUE),
            Claiming.NONE, 100_000, Long.MAX_VALUE);
    private long position;

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void keysWhoseMessagesAllFinishedShouldLeaveNothingBehind() {
        LaneRunner runner = runner(id -> CompletableFuture.completedFuture(Outcome.HANDLED));
        List<Work> works = new ArrayList<>();
        for (int batch = 0; batch < 100; batch++) {
            List<Work> received = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                received.add(work("key-" + position));
            }
            runner.submit(received, work -> null);
            works.addAll(received);
        }

        await().atMost(PATIENCE).until(() -> works.stream().allMatch(Work::isFinished));
        assertThat(runner.keysHeld()).as("keys held after 10,000 distinct keys' messages all finished").isZero();
    }

    @Test
    void aKeysNextMessageShouldWaitForThePreviousOneToFinishThoughAnEarlierOneOfItsKeyFinishedMeanwhile() {
        LaneRunner runner = runner(id -> outcomes.computeIfAbsent(id, k -> new CompletableFuture<>()));
        Work first = work("k");
        Work second = work("k");
        runner.submit(List.of(first, second), work -> null);
        await().atMost(PATIENCE).until(() -> startedIds().contains(first.record().id()));
        outcome(first).complete(Outcome.HANDLED);
        await().atMost(PATIENCE).until(() -> startedIds().contains(second.record().id()));

        // the first one's leaving must not take the second one's place: the third waits for the second
        Work third = work("k");
        runner.submit(List.of(third), work -> null);
        assertThat(startedIds()).doesNotContain(third.record().id());
        outcome(second).complete(Outcome.HANDLED);
        await().atMost(PATIENCE).until(() -> startedIds().contains(third.record().id()));
        outcome(third).complete(Outcome.HANDLED);
        await().atMost(PATIENCE).until(third::isFinished);
        assertThat(startedIds()).containsExactly(first.record().id(), second.record().id(), third.record().id());
        await().atMost(PATIENCE).until(() -> runner.keysHeld() == 0); // its lane lets the key go once it completed
    }

    @Test
    void aKeysNextMessageShouldWaitForAFreeLaneOnceItsKeyIsFree() {
        // one lane, all on the calling thread: "lanes is how many messages are handled at once"
        Set<String> handlerRunning = ConcurrentHashMap.newKeySet();
        AtomicInteger mostAtOnce = new AtomicInteger();
        Step chain = work -> {
            String id = work.record().id();
            startedNow(id);
            handlerRunning.add(id);
            mostAtOnce.accumulateAndGet(handlerRunning.size(), Math::max);
            CompletableFuture<Outcome> handler = id.equals("id-2")
                    ? outcome(work) // b's handler runs until the test completes it
                    : CompletableFuture.completedFuture(Outcome.HANDLED);
            return handler.thenCompose(handled -> {
                handlerRunning.remove(id);
                work.handlerSucceeded(); // the lane is free; marking done goes on
                return id.equals("id-2") ? handler : outcome(work);
            });
        };
        LaneRunner runner = new LaneRunner(new KeyOrderedExecutor(1, Runnable::run), chain, inFlight, true, false,
                () -> false, () -> false, () -> { }, "g", e -> { });
        Work a1 = work("a");
        Work a2 = work("a");
        Work b = work("b");
        runner.submit(List.of(a1, a2), work -> null); // a1 handled, a2 waits for a1 to be marked done
        runner.submit(List.of(b), work -> null);
        assertThat(startedIds()).as("b took the lane a1 left").containsExactly("id-0", "id-2");

        outcome(a1).complete(Outcome.HANDLED); // a1 marked done: its key is free, the one lane is b's
        assertThat(a1.isFinished()).isTrue();
        assertThat(startedIds()).as("a2 waits for the lane b holds").containsExactly("id-0", "id-2");

        outcome(b).complete(Outcome.HANDLED);
        outcome(a2).complete(Outcome.HANDLED);
        assertThat(startedIds()).containsExactly("id-0", "id-2", "id-1");
        assertThat(mostAtOnce).as("handlers running at once with one lane").hasValue(1);
        assertThat(List.of(a1, a2, b)).allMatch(Work::isFinished);
    }

    private synchronized void startedNow(String id) {
        started.add(id);
    }

    private CompletableFuture<Outcome> outcome(Work work) {
        return outcomes.computeIfAbsent(work.record().id(), k -> new CompletableFuture<>());
    }

    private synchronized List<String> startedIds() {
        return List.copyOf(started);
    }

    private LaneRunner runner(Function<String, CompletableFuture<Outcome>> handler) {
        Step chain = work -> {
            synchronized (this) {
                started.add(work.record().id());
            }
            work.handlerSucceeded(); // the lane is free while the message is marked done: its key's next one waits
            return handler.apply(work.record().id());
        };
        return new LaneRunner(new KeyOrderedExecutor(4, pool), chain, inFlight, true, false, () -> false,
                () -> false, () -> { }, "g", e -> { });
    }

    /** A message of {@code key}, registered in flight as the subscription registers what it receives. */
    private Work work(String key) {
        long at = position++;
        return inFlight.add(List.of(new InboundRecord("t", "0", at, "id-" + at, key, Map.of(), new byte[0],
                Instant.EPOCH, 1, () -> { }))).get(0);
    }

    /** A broker consumer that is never paused here (the flow control's bound is far off). */
    private static final class IdleConsumer implements BrokerConsumer {
        @Override
        public void start(DeliverySink sink) {
        }

        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }

        @Override
        public CompletionStage<Void> close() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
