package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Engine behaviour the broker contract does not cover, on the in-memory broker. */
class EngineBehaviourTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final InMemoryBroker broker = InMemoryBroker.create();
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

    private void declare(String topic, int partitions, String group) {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(partitions).group(group).build(),
                TopicSpec.builder(topic + ".DLT").partitions(1).group("ops").build());
    }

    private void publish(String topic, int count, String keyPrefix, int keys) {
        List<CompletableFuture<?>> confirms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            confirms.add(keel.publisher().publishAsync(topic, Message.builder(("m" + i).getBytes()).id("id-" + i)
                    .key(keyPrefix + (i % keys)).build()).toCompletableFuture());
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void aShareGroupOnAnAdapterWithoutSharedConsumptionShouldBeRefusedNamingTheCapability() {
        declare("shared", 1, "g");
        SubscriptionConfig<byte[]> shared = SubscriptionConfig.builder("shared", "g", Codec.bytes())
                .ordering(Ordering.UNORDERED).shareGroup(true).build();

        assertThatThrownBy(() -> keel.subscribe(shared, d -> { }))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Capability.SHARED_CONSUMPTION")
                .hasMessageContaining("shareGroup(true)");
        assertThat(keel.subscriptions()).isEmpty();
    }

    @Test
    void atMostOnceShouldAckBeforeTheHandlerSoAFailureIsNeitherRetriedNorRedelivered() {
        declare("amo", 1, "g");
        publish("amo", 1, "k", 1);
        AtomicInteger calls = new AtomicInteger();
        keel.subscribe(SubscriptionConfig.builder("amo", "g", Codec.bytes()).guarantee(DeliveryGuarantee.AT_MOST_ONCE)
                .retryPolicy(RetryPolicy.custom().maxAttempts(5).initialBackoff(Duration.ofMillis(10)).build()).build(),
                d -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("fails once and for all");
                });
        await().atMost(PATIENCE).until(() -> broker.committedOffsets("amo", "g").getOrDefault(0, 0L) == 1L);
        await().atMost(PATIENCE).until(() -> broker.records("amo.DLT").size() == 1);
        assertThat(calls).hasValue(1);
    }

    @Test
    void inFlightWorkShouldStayWithinMaxInFlightWhileHandlersAreSlow() throws Exception {
        declare("bp", 2, "g");
        publish("bp", 200, "k", 50);
        Map<String, Boolean> received = new ConcurrentHashMap<>();
        AtomicInteger started = new AtomicInteger();
        keel.subscribe(SubscriptionConfig.builder("bp", "g", Codec.bytes()).lanes(4).maxInFlight(16).build(), d -> {
            started.incrementAndGet();
            received.put(d.id(), true);
            release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        });
        await().atMost(PATIENCE).untilAtomic(started, org.hamcrest.Matchers.equalTo(4)); // one blocked handler per lane
        double inFlight = await().atMost(PATIENCE).until(
                () -> registry.get("keel.in_flight").gauge().value(), v -> v >= 16);
        assertThat(inFlight).as("the broker is paused at the in-flight bound, not buffered without limit")
                .isLessThanOrEqualTo(16);
        release.countDown();
        await().atMost(PATIENCE).until(() -> received.size() == 200);
        await().atMost(PATIENCE).until(() -> registry.get("keel.handled").counter().count() == 200);
    }

    @Test
    void unorderedSubscriptionsShouldRunMessagesOfOneKeyInParallel() {
        declare("par", 1, "g");
        publish("par", 8, "same-key", 1);
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        CountDownLatch allStarted = new CountDownLatch(4);
        Subscription s = keel.subscribe(SubscriptionConfig.builder("par", "g", Codec.bytes()).ordering(Ordering.UNORDERED)
                .lanes(4).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> {
                    maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                    allStarted.countDown();
                    allStarted.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    concurrent.decrementAndGet();
                });
        await().atMost(PATIENCE).until(() -> registry.find("keel.handled").counter() != null
                && registry.get("keel.handled").counter().count() == 8);
        assertThat(maxConcurrent.get()).isEqualTo(4);
        s.close();
    }

    @Test
    void metricsShouldCountPublishesDeliveriesRetriesAndDeadLetters() {
        declare("met", 1, "g");
        publish("met", 3, "k", 3);
        keel.subscribe(SubscriptionConfig.builder("met", "g", Codec.utf8())
                .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(5)).build()).build(), d -> {
                    if (d.payload().equals("m1")) {
                        throw new IllegalArgumentException("poison");
                    }
                });
        await().atMost(PATIENCE).until(() -> registry.find("keel.dead_lettered").counter() != null);
        assertThat(registry.get("keel.confirmed").counter().count()).isEqualTo(3);
        await().atMost(PATIENCE).until(() -> registry.get("keel.handled").counter().count() == 2);
        assertThat(registry.get("keel.retried").counter().count()).isEqualTo(1);
        assertThat(registry.get("keel.dead_lettered").counter().count()).isEqualTo(1);
        StoredRecord dead = broker.records("met.DLT").get(0);
        assertThat(dead.id()).isEqualTo("id-1");
        Map<String, Map<String, String>> deadLetters = new ConcurrentHashMap<>();
        keel.subscribe(SubscriptionConfig.builder("met.DLT", "ops", Codec.utf8()).build(),
                d -> deadLetters.put(d.id(), d.keelHeaders()));
        await().atMost(PATIENCE).until(() -> deadLetters.containsKey("id-1"));
        assertThat(deadLetters.get("id-1"))
                .containsEntry(dev.keel.KeelHeaders.DLT_CAUSE_CLASS, IllegalArgumentException.class.getName())
                .containsEntry(dev.keel.KeelHeaders.DLT_CAUSE_MESSAGE, "poison")
                .containsEntry(dev.keel.KeelHeaders.DLT_ATTEMPTS, "2")
                .containsEntry(dev.keel.KeelHeaders.DLT_ORIGIN_TOPIC, "met")
                .containsEntry(dev.keel.KeelHeaders.DLT_REASON, "handler");
        assertThat(registry.get("keel.handler").tag("outcome", "failure").timer().count()).isEqualTo(2);
    }
}
