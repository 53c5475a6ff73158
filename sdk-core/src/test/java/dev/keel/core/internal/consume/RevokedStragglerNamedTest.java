package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import dev.keel.core.internal.chain.EngineContext;
import dev.keel.core.internal.chain.Outcome;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.InboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A handler still running on a partition a rebalance took away, which the close's timeout leaves running, is named by
 * the close's WARN like the close's own stragglers (and its claim's later loss is then that same message coming back,
 * not news). Before, the close counted it but named none: it was in neither the registry nor anything the WARN read.
 */
class RevokedStragglerNamedTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final HandlerThreads handlerThreads = new HandlerThreads(Executors.defaultThreadFactory());
    private final ExecutorService handlerPool = Executors.newFixedThreadPool(1, handlerThreads);
    private final CountDownLatch handlerGo = new CountDownLatch(1);

    @AfterEach
    void stop() {
        handlerGo.countDown();
        scheduler.shutdownNow();
        handlerPool.shutdownNow();
    }

    @Test
    void aRevokedHandlerTheCloseTimeoutLeavesRunningShouldBeNamedByTheClose() {
        AtomicReference<Work> running = new AtomicReference<>();
        SubscriptionConfig<String> config = SubscriptionConfig.builder("t", "g", Codec.utf8()).lanes(1)
                .revokeTimeout(Duration.ofMillis(50)).build();
        RecordingConsumer consumer = new RecordingConsumer();
        EngineSubscription engine = new EngineSubscription(config, consumer,
                new FlowControl(consumer, config.maxInFlight(), config.maxInFlightBytes()), new Claiming.None(),
                work -> {
                    running.set(work);
                    try {
                        handlerGo.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return CompletableFuture.completedFuture(Outcome.HANDLED);
                }, handlerPool, handlerThreads, new EngineContext(Clock.systemUTC(), scheduler, MetricsRecorder.noop()));
        engine.start();
        engine.accept(List.of(new InboundRecord("t", "0", 0, "id-0", "a", Map.of(), "a".getBytes(StandardCharsets.UTF_8),
                Instant.now(), 1, () -> { })));
        await().until(() -> running.get() != null);

        engine.revoke(List.of("0"));
        engine.close(Duration.ofMillis(200));

        assertThat(running.get().finished()).as("the handler still runs").isNotDone();
        assertThat(running.get().isNamedByClose()).as("named by the close's WARN").isTrue();
    }
}
