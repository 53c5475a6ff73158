package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A subscription's window in payload bytes ({@code maxInFlightBytes}): it pauses the broker when its messages'
 * payloads reach the bound, however few they are, and a message larger than the bound still passes on its own.
 */
class InFlightBytesBoundTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int KIB = 1024;

    /** One record per batch, so that the subscription's pause takes effect at the record that reached the bound. */
    private final InMemoryBroker broker = InMemoryBroker.builder().maxBatchSize(1).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryBroker client = broker.connect();
    private final Keel keel = Keel.builder(client).metrics(new MicrometerMetrics(registry)).build();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        keel.close();
        client.close();
        broker.close();
    }

    private void publish(String topic, int count, int size) {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build(),
                TopicSpec.builder(topic + ".DLT").partitions(1).group("ops").build());
        List<CompletableFuture<?>> confirms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            confirms.add(keel.publisher().publishAsync(topic, Message.builder(new byte[size]).id("id-" + i)
                    .key("k" + i).build()).toCompletableFuture());
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void largeMessagesShouldPauseTheBrokerAtTheByteBoundLongBeforeTheMessageWindow() {
        publish("big", 40, 100 * KIB);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger started = new AtomicInteger();
        keel.subscribe(SubscriptionConfig.builder("big", "g", Codec.bytes()).lanes(4).maxInFlight(1_000)
                .maxInFlightBytes(1_024 * KIB).build(), d -> {
                    started.incrementAndGet();
                    release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    handled.add(d.id());
                });
        await().atMost(PATIENCE).until(() -> started.get() == 4);
        double inFlight = await().atMost(PATIENCE).until(
                () -> registry.get("keel.in_flight").gauge().value(), v -> v >= 11);
        assertThat(inFlight).as("11 messages of 100 KiB reach the bound of 1 MiB; the broker is paused there, "
                + "while the window in messages (1,000) would take all 40").isLessThanOrEqualTo(12);
        double bytes = await().atMost(PATIENCE).until(() -> registry.get("keel.in_flight_bytes").gauge().value(),
                v -> v == registry.get("keel.in_flight").gauge().value() * 100 * KIB);
        assertThat(bytes).as("the gauge of bytes in flight reads the payloads of the messages in flight, at the bound")
                .isGreaterThanOrEqualTo(1_024 * KIB);

        release.countDown();
        await().atMost(PATIENCE).until(() -> handled.size() == 40);
    }

    @Test
    void aMessageLargerThanTheByteBoundShouldStillBeHandledOnItsOwn() {
        publish("huge", 3, 2_048 * KIB);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger started = new AtomicInteger();
        keel.subscribe(SubscriptionConfig.builder("huge", "g", Codec.bytes()).lanes(4)
                .maxInFlightBytes(1_024 * KIB).build(), d -> {
                    started.incrementAndGet();
                    release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    handled.add(d.id());
                });
        await().atMost(PATIENCE).until(() -> started.get() >= 1);
        double inFlight = await().atMost(PATIENCE).until(
                () -> registry.get("keel.in_flight").gauge().value(), v -> v >= 1);
        assertThat(inFlight).as("a message over the bound is taken, and the broker paused while it is held")
                .isEqualTo(1);
        assertThat(registry.get("keel.in_flight_bytes").gauge().value()).as("its payload, over the bound")
                .isEqualTo(2_048 * KIB);

        release.countDown();
        await().atMost(PATIENCE).until(() -> handled.size() == 3);
        await().atMost(PATIENCE).until(() -> registry.get("keel.in_flight").gauge().value() == 0);
        assertThat(registry.get("keel.in_flight_bytes").gauge().value()).as("nothing in flight, no bytes").isZero();
    }
}
