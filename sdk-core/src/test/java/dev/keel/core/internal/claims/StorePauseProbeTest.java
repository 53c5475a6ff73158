package dev.keel.core.internal.claims;

import dev.keel.StoreUnavailableException;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.consume.FlowControl;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A subscription paused because its store failed ends the pause when a store call succeeds. With messages in flight
 * their own calls tell; with none left (a revoke gave them all up while the store failed, or a renewal's failure came
 * after the last one left) the subscription's tick pings the store, else it stayed paused for good.
 */
class StorePauseProbeTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ExecutorService storeThreads = Executors.newFixedThreadPool(2);
    private final SwitchableStore store = new SwitchableStore();
    private final RecordingConsumer consumer = new RecordingConsumer();
    private final FlowControl flow = new FlowControl(consumer, 10, Long.MAX_VALUE);
    private final AtomicInteger outages = new AtomicInteger();
    private final Claims claims = new Claims(store, "t", "g", "g:t", IdempotencyPolicy.custom().build(), storeThreads,
            flow, new OutageCounter(outages), Clock.systemUTC());

    @AfterEach
    void close() {
        storeThreads.shutdownNow();
    }

    @Test
    void aStorePauseWithNoMessageInFlightShouldEndWhenATickFindsTheStoreAnswering() {
        startedWithTheStoreAnswering();
        store.down = true;
        claims.store().unavailable(new StoreUnavailableException("reset", null)); // reported after the last message left
        assertThat(consumer.paused).as("paused for the store").isTrue();

        claims.tick();
        await().atMost(WAIT).until(() -> outages.get() == 2); // the report, then the failed ping
        assertThat(store.pings.get()).isEqualTo(1);
        assertThat(consumer.paused).as("still paused: the store does not answer").isTrue();

        store.down = false;
        claims.tick();
        await().atMost(WAIT).until(() -> !consumer.paused);
        assertThat(flow.isStoreDown()).isFalse();
    }

    @Test
    void aStorePauseWithAMessageInFlightShouldBeLeftToThatMessagesStoreCalls() {
        startedWithTheStoreAnswering();
        claims.of(new Work(record("m1"))); // in flight: its own claim is tried again until the store answers
        claims.store().unavailable(new StoreUnavailableException("refused", null));

        claims.tick();
        claims.tick();

        await("no ping while a message in flight tries the store itself").during(Duration.ofMillis(200))
                .atMost(WAIT).until(() -> store.pings.get() == 0);
        assertThat(consumer.paused).isTrue();
    }

    /** The first ticks ping the store, which does not answer at first (paused), then answers (resumed). */
    private void startedWithTheStoreAnswering() {
        store.down = true;
        claims.tick();
        await().atMost(WAIT).until(() -> consumer.paused);
        store.down = false;
        claims.tick();
        await().atMost(WAIT).until(() -> !consumer.paused);
        assertThat(store.pings.get()).isEqualTo(2);
        store.pings.set(0);
        outages.set(0);
        claims.tick();
        await("no ping once the store answered").during(Duration.ofMillis(200)).atMost(WAIT)
                .until(() -> store.pings.get() == 0);
    }

    private static InboundRecord record(String id) {
        return new InboundRecord("t", "0", 0, id, "k", Map.of(), new byte[0], Instant.EPOCH, 1, () -> { });
    }

    /** An in-memory store that fails every call while {@link #down}, counting pings. */
    private static final class SwitchableStore implements IdempotencyStore {
        private final InMemoryIdempotencyStore delegate = new InMemoryIdempotencyStore();
        private final AtomicInteger pings = new AtomicInteger();
        private volatile boolean down;

        @Override
        public void ping() {
            pings.incrementAndGet();
            check();
        }

        @Override
        public ClaimResult claim(String namespace, String id, String token, Duration lease) {
            check();
            return delegate.claim(namespace, id, token, lease);
        }

        @Override
        public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
            check();
            return delegate.complete(namespace, id, token, retention);
        }

        @Override
        public LeaseOutcome release(String namespace, String id, String token) {
            check();
            return delegate.release(namespace, id, token);
        }

        private void check() {
            if (down) {
                throw new StoreUnavailableException("the store is down", null);
            }
        }

        @Override
        public void close() {
        }
    }

    private record OutageCounter(AtomicInteger outages) implements MetricsRecorder {
        @Override
        public void count(MetricEvent event, String topic, String group) {
            if (event == MetricEvent.STORE_UNAVAILABLE) {
                outages.incrementAndGet();
            }
        }

        @Override
        public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        }

        @Override
        public void inFlight(String topic, String group, IntSupplier inFlight) {
        }
    }

    private static final class RecordingConsumer implements BrokerConsumer {
        private volatile boolean paused;

        @Override
        public void start(DeliverySink sink) {
        }

        @Override
        public void pause() {
            paused = true;
        }

        @Override
        public void resume() {
            paused = false;
        }

        @Override
        public CompletionStage<Void> close() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
