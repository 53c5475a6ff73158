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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A close that begins while a rebalance is taking a partition away (after the revoke took the partition's messages out
 * of the subscription's registry, before it listed the handlers still running on them) must still wait for those
 * handlers: a close that missed them returned at once and stopped their claims' renewals, and the partition's new
 * owner ran the message a second time while the first run was still applying its effect. The close is started from
 * inside the revoke (when it drops the partition's queued message), on a thread of its own.
 */
class CloseDuringRevokeTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final HandlerThreads handlerThreads = new HandlerThreads(Executors.defaultThreadFactory());
    private final ExecutorService handlerPool = Executors.newFixedThreadPool(1, handlerThreads);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        handlerPool.shutdownNow();
    }

    @Test
    void aCloseThatBeginsDuringARevokeShouldWaitForTheHandlerStillRunningOnTheRevokedPartition() throws Exception {
        CountDownLatch handlerGo = new CountDownLatch(1);
        AtomicBoolean handlerStarted = new AtomicBoolean();
        AtomicBoolean handlerReturned = new AtomicBoolean();
        AtomicReference<Boolean> handlerReturnedWhenClosed = new AtomicReference<>();
        AtomicReference<EngineSubscription> subscription = new AtomicReference<>();
        AtomicReference<Thread> closer = new AtomicReference<>();
        Claiming closesWhenTheQueuedMessageIsDropped = new Claiming.None() {
            @Override
            public void dropped(Work work, boolean release) {
                Thread thread = new Thread(() -> {
                    subscription.get().close(Duration.ofSeconds(30));
                    handlerReturnedWhenClosed.set(handlerReturned.get());
                }, "closer");
                closer.set(thread);
                thread.start();
                // the close either ran to its end meanwhile or waits for the revoke to be done
                await().atMost(Duration.ofSeconds(30)).until(() -> thread.getState() == Thread.State.TERMINATED
                        || thread.getState() == Thread.State.BLOCKED);
            }
        };
        SubscriptionConfig<String> config = SubscriptionConfig.builder("t", "g", Codec.utf8()).lanes(1)
                .revokeTimeout(Duration.ofMillis(100)).build();
        RecordingConsumer consumer = new RecordingConsumer();
        EngineSubscription engine = new EngineSubscription(config, consumer,
                new FlowControl(consumer, config.maxInFlight(), config.maxInFlightBytes()),
                closesWhenTheQueuedMessageIsDropped, work -> {
                    handlerStarted.set(true);
                    try {
                        handlerGo.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    handlerReturned.set(true);
                    return CompletableFuture.completedFuture(Outcome.HANDLED);
                }, handlerPool, handlerThreads,
                new EngineContext(Clock.systemUTC(), scheduler, MetricsRecorder.noop()));
        subscription.set(engine);
        engine.start();
        // one lane: the second message waits behind the first, which runs
        engine.accept(List.of(record(0, "a"), record(1, "b")));
        await().untilTrue(handlerStarted);

        engine.revoke(List.of("0"));
        handlerGo.countDown();
        closer.get().join(TimeUnit.SECONDS.toMillis(60));

        assertThat(handlerReturnedWhenClosed.get())
                .as("whether the handler on the revoked partition had returned when the close returned").isTrue();
    }

    private static InboundRecord record(long position, String key) {
        return new InboundRecord("t", "0", position, "id-" + position, key, Map.of(),
                key.getBytes(StandardCharsets.UTF_8), Instant.now(), 1, () -> { });
    }
}
