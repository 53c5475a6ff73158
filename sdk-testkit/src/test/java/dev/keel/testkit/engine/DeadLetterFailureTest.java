package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A message that can be neither handled nor dead-lettered must not stall the subscription: a dead
 * letter the broker refuses for good goes as a truncated copy, and if that is refused too the
 * message is parked (unacknowledged, its key waiting) while unrelated keys keep flowing. Every
 * dead-letter send is bounded by the publish timeout.
 */
class DeadLetterFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String GROUP = "g";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Keel keel;

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
        }
        broker.close();
    }

    private Keel keel(PublisherConfig publisherConfig) {
        keel = Keel.builder(broker.connect()).metrics(new MicrometerMetrics(registry)).publisherConfig(publisherConfig)
                .build();
        return keel;
    }

    private void declare(String topic, int partitions) {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(partitions).group(GROUP).build(),
                TopicSpec.builder(topic + ".DLT").partitions(1).group("ops").build());
    }

    private PublishReceipt publish(String topic, String id, String key, byte[] payload) {
        return keel.publisher().publishAsync(topic, Message.builder(payload).id(id).key(key).build()).toCompletableFuture()
                .join();
    }

    private double count(String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private static SubscriptionConfig<byte[]> config(String topic) {
        return SubscriptionConfig.builder(topic, GROUP, Codec.bytes()).lanes(8).maxInFlight(64)
                .retryPolicy(RetryPolicy.none()).build();
    }

    @Test
    void aMessageThatCanNeitherBeHandledNorDeadLetteredShouldNotStallOtherKeys() {
        String topic = "stall";
        keel(PublisherConfig.ofDefaults());
        declare(topic, 4);
        PublishReceipt poison = publish(topic, "poison", "poison-key", "poison".getBytes());
        publish(topic, "after-poison", "poison-key", "same key".getBytes());
        List<CompletableFuture<?>> confirms = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            confirms.add(keel.publisher().publishAsync(topic, Message.builder(("m" + i).getBytes()).id("id-" + i)
                    .key("k" + (i % 64)).build()).toCompletableFuture());
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).join();
        broker.faults().failPublishesTo(topic + ".DLT",
                new PublishException("the dead-letter topic refuses every record (injected)", null, false));
        Set<String> handled = ConcurrentHashMap.newKeySet();

        keel.subscribe(config(topic), d -> {
            if (d.id().equals("poison")) {
                throw new IllegalStateException("poison");
            }
            handled.add(d.id());
        });

        await().atMost(PATIENCE).until(() -> handled.stream().filter(id -> id.startsWith("id-")).count() == 3_000);
        assertThat(handled).as("the parked message's own key waits for it").doesNotContain("after-poison");
        assertThat(count("keel.dead_letter_failed")).as("counted once for the parked message").isEqualTo(1.0);
        assertThat(broker.records(topic + ".DLT")).isEmpty();
        assertThat(broker.committedOffsets(topic, GROUP).get(Integer.parseInt(poison.partition())))
                .as("the parked message stays unacknowledged: its partition's commit waits before it")
                .isEqualTo(poison.offset());

        broker.faults().clear();
        await().atMost(Duration.ofSeconds(90)).until(() -> broker.records(topic + ".DLT").size() == 1
                && broker.committedOffsets(topic, GROUP).values().stream().mapToLong(Long::longValue).sum() == 3_002);
        assertThat(handled).contains("after-poison");
        StoredRecord dead = broker.records(topic + ".DLT").get(0);
        assertThat(dead.id()).isEqualTo("poison");
        if (dead.headers().containsKey(KeelHeaders.DLT_TRUNCATED)) {
            // the round that straddled clear(): its dead letter was refused for good just before, so it sent the
            // documented truncated copy, which the broker then accepted (a window of one thread hop)
            assertThat(dead.payload()).as("a truncated copy carries no payload").isEmpty();
        } else {
            assertThat(new String(dead.payload())).as("the dead letter, once accepted, is the full one")
                    .isEqualTo("poison");
        }
        assertThat(count("keel.dead_lettered")).isEqualTo(1.0);
    }

    @Test
    void closingShouldWaitNeitherForAParkedMessageNorForTheLaterMessagesOfItsKey() throws Exception {
        String topic = "parked-close";
        keel(PublisherConfig.ofDefaults());
        declare(topic, 1);
        publish(topic, "poison", "k", "poison".getBytes());
        publish(topic, "same-key", "k", "waits".getBytes());
        publish(topic, "other-key", "j", "flows".getBytes());
        broker.faults().failPublishesTo(topic + ".DLT", new PublishException("refused (injected)", null, false));
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Subscription subscription = keel.subscribe(config(topic), d -> {
            if (d.id().equals("poison")) {
                throw new IllegalStateException("poison");
            }
            handled.add(d.id());
        });
        await().atMost(PATIENCE).until(() -> count("keel.dead_letter_failed") == 1.0 && handled.contains("other-key"));

        subscription.closeAsync(Duration.ofSeconds(60)).toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertThat(handled).containsExactly("other-key");
        assertThat(broker.committedOffsets(topic, GROUP).get(0)).as("nothing acknowledged before the parked message")
                .isZero();
    }

    @Test
    void aDeadLetterTooLargeForTheBrokerShouldGoAsATruncatedCopyWithoutPayload() {
        String topic = "large";
        keel(PublisherConfig.ofDefaults());
        declare(topic, 1);
        byte[] payload = "x".repeat(900).getBytes();
        publish(topic, "big", "k", payload);
        publish(topic, "after", "k", "fine".getBytes());
        // the original fits; its dead letter, with ~10 more headers, does not
        broker.faults().failPublishesLargerThan(1_000,
                new PublishException("record too large (injected)", null, false));
        Set<String> handled = ConcurrentHashMap.newKeySet();

        keel.subscribe(config(topic), d -> {
            if (d.id().equals("big")) {
                throw new IllegalStateException("cannot handle it");
            }
            handled.add(d.id());
        });

        await().atMost(PATIENCE).until(() -> broker.committedOffsets(topic, GROUP).get(0) == 2L);
        assertThat(handled).containsExactly("after");
        List<StoredRecord> dead = broker.records(topic + ".DLT");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).id()).isEqualTo("big");
        assertThat(dead.get(0).payload()).isEmpty();
        assertThat(dead.get(0).headers())
                .containsEntry(KeelHeaders.DLT_TRUNCATED, "900")
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, IllegalStateException.class.getName())
                .containsEntry(KeelHeaders.DLT_CAUSE_MESSAGE, "cannot handle it")
                .containsEntry(KeelHeaders.DLT_ORIGIN_TOPIC, topic)
                .containsEntry(KeelHeaders.ID, "big");
        assertThat(count("keel.dead_lettered")).isEqualTo(1.0);
        assertThat(count("keel.dead_letter_failed")).isZero();
    }

    @Test
    void aTruncatedDeadLetterShouldKeepTheW3cTraceContextOfTheOriginal() {
        String topic = "large-traced";
        keel(PublisherConfig.ofDefaults());
        declare(topic, 1);
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        keel.publisher().publish(topic, Message.builder("x".repeat(900).getBytes()).id("big").key("k")
                .header(KeelHeaders.TRACEPARENT, traceparent).header(KeelHeaders.TRACESTATE, "vendor=1")
                .header("app-header", "dropped with the payload").build());
        broker.faults().failPublishesLargerThan(1_000,
                new PublishException("record too large (injected)", null, false));

        keel.subscribe(config(topic), d -> {
            throw new IllegalStateException("cannot handle it");
        });

        await().atMost(PATIENCE).until(() -> broker.committedOffsets(topic, GROUP).get(0) == 1L);
        assertThat(broker.records(topic + ".DLT")).singleElement().satisfies(dead -> {
            assertThat(dead.headers()).containsEntry(KeelHeaders.DLT_TRUNCATED, "900")
                    .containsEntry(KeelHeaders.TRACEPARENT, traceparent)
                    .containsEntry(KeelHeaders.TRACESTATE, "vendor=1")
                    .doesNotContainKey("app-header");
        });
    }

    @Test
    void eachDeadLetterSendShouldBeBoundedByThePublishTimeout() {
        String topic = "slow-dlt";
        keel(PublisherConfig.custom().timeout(Duration.ofMillis(300)).build());
        declare(topic, 1);
        publish(topic, "poison", "k", "poison".getBytes());
        broker.faults().holdPublishes(); // the broker never answers the dead-letter sends

        keel.subscribe(config(topic), d -> {
            throw new IllegalStateException("poison");
        });

        await().atMost(PATIENCE).until(() -> broker.faults().heldPublishes() >= 3);
        broker.faults().releasePublishes();
        await().atMost(PATIENCE).until(() -> broker.committedOffsets(topic, GROUP).get(0) == 1L);
        assertThat(broker.records(topic + ".DLT")).isNotEmpty()
                .allMatch(r -> r.id().equals("poison"), "copies of the one dead letter, sent again after timeouts");
    }
}
