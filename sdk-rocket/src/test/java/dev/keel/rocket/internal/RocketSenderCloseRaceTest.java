package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.ClosedException;
import dev.keel.KeelHeaders;
import dev.keel.PublishReceipt;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A publish racing the producer's close for a topic whose route is not known yet. Before, a publish that passed the
 * closed check before the close and registered as pending only after the close had failed the pending ones joined
 * the topic's route check, which the close then dropped: its future never completed. No broker is needed: the route
 * check never runs (the checks' only thread is held), and the hook holds the racing publish.
 */
class RocketSenderCloseRaceTest {

    private static final String TOPIC = "close-race";
    private static final long PATIENCE_SECONDS = 10;

    private final RocketConfig config = RocketConfig.custom().nameServer("127.0.0.1:1").clientId("keel-close-race")
            .closeTimeout(Duration.ofMillis(200)).build();
    private final CountDownLatch racerHeld = new CountDownLatch(1);
    private final CountDownLatch racerGo = new CountDownLatch(1);
    private final Consumer<OutboundRecord> holdTheRacer = record -> {
        if (record.id().equals("racer")) {
            racerHeld.countDown();
            awaitQuietly(racerGo);
        }
    };

    @Test
    void aPublishRegisteringWhileCloseFailsThePendingOnesShouldFailClosedByTheTimeCloseReturns() throws Exception {
        ExecutorService checks = Executors.newSingleThreadExecutor();
        CountDownLatch releaseChecks = new CountDownLatch(1);
        checks.execute(() -> awaitQuietly(releaseChecks)); // another topic's route check under way
        RocketAdmin admin = new RocketAdmin(config);
        RocketSender sender = new RocketSender(config, admin, checks, holdTheRacer);
        try {
            CompletableFuture<PublishReceipt> first = sender.send(record("first")).toCompletableFuture();
            CompletableFuture<CompletableFuture<PublishReceipt>> racer = new CompletableFuture<>();
            new Thread(() -> racer.complete(sender.send(record("racer")).toCompletableFuture()), "racer").start();
            assertThat(racerHeld.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
            // the close fails the publishes pending then (the first one): the racer registers at that moment
            first.whenComplete((receipt, failure) -> {
                racerGo.countDown();
                racer.completeOnTimeout(null, PATIENCE_SECONDS, TimeUnit.SECONDS).join();
            });

            sender.close();

            CompletableFuture<PublishReceipt> raced = racer.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            assertThat(first).isCompletedExceptionally();
            assertThat(raced).as("the racing publish, by the time close returned").isDone();
            assertThatThrownBy(raced::join).hasCauseInstanceOf(ClosedException.class);
        } finally {
            racerGo.countDown();
            releaseChecks.countDown();
            checks.shutdownNow();
            admin.close();
        }
    }

    private static OutboundRecord record(String id) {
        return new OutboundRecord(TOPIC, id, null, Map.of(KeelHeaders.ID, id), id.getBytes(StandardCharsets.UTF_8),
                Instant.now());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(PATIENCE_SECONDS * 3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
