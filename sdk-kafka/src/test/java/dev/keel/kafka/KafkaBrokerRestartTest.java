package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The broker is killed with kill -9 and restarted while messages flow: no confirmed message is lost. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaBrokerRestartTest {

    private static final int MESSAGES = 1200;
    private static final int BATCH = 20;

    private final KafkaEndpoint kafka = Brokers.kafka();
    private final List<Keel> keels = new ArrayList<>();
    /** The adapters and stores given to {@link #keels}: theirs to close, after the Keels. */
    private final List<AutoCloseable> given = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        keels.forEach(Keel::close);
        for (AutoCloseable resource : given) {
            resource.close();
        }
    }

    @Test
    void confirmedMessagesShouldSurviveABrokerKilledAndRestartedMidStream() throws Exception {
        assumeTrue(kafka.supportsFaults(), "this Kafka is not owned by the harness (KEEL_KAFKA_BOOTSTRAP is set)");
        String bootstrap = kafka.bootstrapServers();
        String topic = KafkaTestSupport.unique("restart");
        KafkaConfig config = KafkaTestSupport.config(bootstrap).deliveryTimeout(Duration.ofSeconds(60)).build();
        KafkaAdapter publishingAdapter = new KafkaAdapter(config);
        KafkaAdapter consumingAdapter = new KafkaAdapter(config);
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(); // one consumer process
        given.addAll(List.of(publishingAdapter, consumingAdapter, store));
        Keel publishing = Keel.builder(publishingAdapter).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(90)).build()).build();
        keels.add(publishing);
        publishing.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        Keel consuming = Keel.builder(consumingAdapter).idempotencyStore(store).build();
        keels.add(consuming);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        consuming.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("group"), Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), delivery -> handled.add(delivery.id()));

        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new ArrayList<>();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            for (int from = 0; from < MESSAGES; from += BATCH) {
                List<CompletableFuture<Void>> batch = new ArrayList<>();
                for (int i = from; i < from + BATCH; i++) {
                    String id = "m-" + i;
                    batch.add(publishing.publisher().publishAsync(topic, Message.builder(id, Codec.utf8()).id(id)
                                    .key("k" + (i % 7)).build()).toCompletableFuture()
                            .handle((receipt, error) -> {
                                if (error == null) {
                                    confirmed.add(id);
                                } else {
                                    synchronized (failures) {
                                        failures.add(error instanceof java.util.concurrent.CompletionException
                                                ? error.getCause() : error);
                                    }
                                }
                                return null;
                            }));
                }
                batch.forEach(CompletableFuture::join);
            }
        });

        await().atMost(Duration.ofSeconds(60)).until(() -> confirmed.size() >= MESSAGES / 4);
        kafka.kill();
        kafka.restart();
        stream.get(180, TimeUnit.SECONDS);

        assertThat(confirmed.size()).as("publishing went on after the restart").isGreaterThan(MESSAGES / 2);
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class));
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(handled).containsAll(confirmed));
        assertThat(readAll(bootstrap, topic, confirmed.size())).containsAll(confirmed);
    }

    /** Every keel-id in the topic's log, read by a plain consumer from the beginning. */
    private static Set<String> readAll(String bootstrap, String topic, int atLeast) {
        Set<String> ids = new HashSet<>();
        Function<byte[], String> text = KafkaTestSupport::utf8;
        try (KafkaConsumer<byte[], byte[]> plain = KafkaTestSupport.plainConsumer(bootstrap,
                KafkaTestSupport.unique("audit"), topic)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                plain.poll(Duration.ofMillis(200)).forEach(r -> ids.add(text.apply(r.value())));
                return ids.size() >= atLeast;
            });
        }
        return ids;
    }
}
