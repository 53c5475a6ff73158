package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine on RabbitMQ: Keel's publisher and subscriptions over this adapter. */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class KeelOnRabbitTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int KEYS = 8;

    /** The adapters and stores given to the test's Keels: theirs to close, after the Keels. */
    private final List<AutoCloseable> given = new ArrayList<>();

    @AfterEach
    void closeGiven() throws Exception {
        for (AutoCloseable resource : given) {
            resource.close();
        }
    }

    @Test
    void effectivelyOnceSubscriptionShouldHandleEveryMessageOnceInKeyOrder() throws Exception {
        String topic = RabbitTestSupport.unique("keel-e2e");
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        try (Keel keel = keel(RabbitTestSupport.unique("dedup"))) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
            keel.subscribe(subscription(topic), d -> handled.add(d.key() + "=" + d.payload()));
            publish(keel, topic, 0, 400);
            await().atMost(WAIT).until(() -> handled.size() >= 400);
        }
        assertInKeyOrderWithoutGapsOrDuplicates(List.copyOf(handled), 400);
    }

    @Test
    void twoConsumersOnOneGroupShouldKeepPerKeyOrderAcrossAHandOver() throws Exception {
        String topic = RabbitTestSupport.unique("keel-two");
        String prefix = RabbitTestSupport.unique("dedup");
        Queue<String> handled = new ConcurrentLinkedQueue<>();
        Queue<String> byFirst = new ConcurrentLinkedQueue<>();
        Queue<String> bySecond = new ConcurrentLinkedQueue<>();
        try (Keel first = keel(prefix); Keel second = keel(prefix)) {
            first.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
            Subscription one = first.subscribe(subscription(topic), d -> {
                handled.add(d.key() + "=" + d.payload());
                byFirst.add(d.id());
            });
            second.subscribe(subscription(topic), d -> {
                handled.add(d.key() + "=" + d.payload());
                bySecond.add(d.id());
            });
            publish(first, topic, 0, 300);
            await().atMost(WAIT).until(() -> handled.size() >= 100);
            one.close(); // drains, acknowledges, cancels: single-active-consumer hands the lanes over
            publish(second, topic, 300, 600);
            await().atMost(WAIT).until(() -> handled.size() >= 600);
        }
        assertThat(byFirst).isNotEmpty();
        assertThat(bySecond).isNotEmpty();
        assertInKeyOrderWithoutGapsOrDuplicates(List.copyOf(handled), 600);
    }

    @Test
    void deadLettersShouldReachTheDeadLetterTopicTheSubscriptionEnsured() throws Exception {
        String topic = RabbitTestSupport.unique("keel-poison");
        try (Keel keel = keel(RabbitTestSupport.unique("dedup"));
             RabbitAdapter reader = new RabbitAdapter(RabbitTestSupport.config().build())) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build()); // no DLT declared
            keel.subscribe(SubscriptionConfig.from(subscription(topic)).retryPolicy(RetryPolicy.custom().maxAttempts(2)
                    .initialBackoff(Duration.ofMillis(10)).build()).build(), d -> {
                        throw new IllegalStateException("poison " + d.id());
                    });
            PublishReceipt sent = keel.publisher(topic, Codec.utf8()).message("bad").id("poison-1").key("k").publish();
            RecordingSink dead = new RecordingSink(true);
            reader.consumer(new ConsumerSettings(topic + ".DLT", "g", 16, Duration.ofSeconds(5))).start(dead);
            await().atMost(WAIT).until(() -> dead.size() >= 1);
            InboundRecord letter = dead.records().get(0);
            assertThat(letter.id()).isEqualTo(sent.messageId());
            assertThat(letter.headers()).containsEntry(KeelHeaders.DLT_ORIGIN_TOPIC, topic)
                    .containsEntry(KeelHeaders.DLT_GROUP, "g").containsEntry(KeelHeaders.DLT_ATTEMPTS, "2")
                    .containsKey(KeelHeaders.DLT_CAUSE_CLASS);
        }
    }

    static void assertInKeyOrderWithoutGapsOrDuplicates(List<String> handled, int total) {
        Map<String, List<Integer>> byKey = handled.stream().collect(Collectors.groupingBy(
                s -> s.substring(0, s.indexOf('=')), Collectors.mapping(s -> Integer.parseInt(s.substring(s.indexOf('=') + 1)),
                        Collectors.toList())));
        assertThat(byKey).hasSize(KEYS);
        byKey.forEach((key, seqs) -> {
            int k = Integer.parseInt(key.substring(key.indexOf('-') + 1));
            List<Integer> expected = IntStream.range(0, total).filter(i -> i % KEYS == k).boxed().toList();
            assertThat(seqs).as("handled sequence of %s", key).containsExactlyElementsOf(expected);
        });
    }

    static SubscriptionConfig<String> subscription(String topic) {
        return SubscriptionConfig.builder(topic, "g", Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .ordering(Ordering.PER_KEY).lanes(8).maxInFlight(64).build();
    }

    /** A Keel on a new adapter and Redis store, both closed after the test. */
    private Keel keel(String dedupPrefix) {
        RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
        given.add(adapter);
        RedisIdempotencyStore store = RabbitTestSupport.redisStore(dedupPrefix);
        given.add(store);
        return Keel.builder(adapter).idempotencyStore(store).build();
    }

    static void publish(Keel keel, String topic, int from, int to) throws Exception {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sent.add(keel.publisher().publishAsync(topic, Message.builder(Integer.toString(i), Codec.utf8())
                    .key("key-" + (i % KEYS)).build()).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
}
