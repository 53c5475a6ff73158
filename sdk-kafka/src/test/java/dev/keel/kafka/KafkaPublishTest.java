package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

/** The producer side of the adapter at the SPI level, on a real broker. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaPublishTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private KafkaAdapter adapter;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    private static OutboundRecord record(String topic, String id, String key, String payload) {
        Map<String, String> headers = key == null ? Map.of(KeelHeaders.ID, id, "app", "ünïcode")
                : Map.of(KeelHeaders.ID, id, KeelHeaders.KEY, key, "app", "ünïcode");
        return new OutboundRecord(topic, id, key, headers, utf8(payload), Instant.ofEpochMilli(1_700_000_000_000L));
    }

    @Test
    void sendShouldCompleteWithPartitionAndOffsetOnceAcknowledged() {
        String topic = KafkaTestSupport.unique("pub");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        BrokerProducer producer = adapter.producer();

        PublishReceipt first = producer.send(record(topic, "id-1", "k", "a")).toCompletableFuture().join();
        PublishReceipt second = producer.send(record(topic, "id-2", "k", "b")).toCompletableFuture().join();

        assertThat(first).isEqualTo(new PublishReceipt(topic, "id-1", "0", 0));
        assertThat(second).isEqualTo(new PublishReceipt(topic, "id-2", "0", 1));
    }

    @Test
    void keyShouldLandOnTheSamePartitionAsWithAPlainKafkaProducer() throws Exception {
        String topic = KafkaTestSupport.unique("partitioning");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(6).build());
        BrokerProducer producer = adapter.producer();
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = 0; i < 30; i++) {
                String key = "order-" + i;
                PublishReceipt keel = producer.send(record(topic, "id-" + i, key, "x")).toCompletableFuture().join();
                RecordMetadata raw = plain.send(new ProducerRecord<>(topic, utf8(key), utf8("x"))).get();
                assertThat(keel.partition()).as("partition of key %s", key).isEqualTo(String.valueOf(raw.partition()));
            }
        }
    }

    @Test
    void headersKeyTimestampAndPayloadShouldReachAPlainConsumer() {
        String topic = KafkaTestSupport.unique("headers");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        adapter.producer().send(record(topic, "id-h", "customer-7", "payload-ä")).toCompletableFuture().join();

        try (KafkaConsumer<byte[], byte[]> plain = KafkaTestSupport.plainConsumer(bootstrap,
                KafkaTestSupport.unique("g"), topic)) {
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                plain.poll(Duration.ofMillis(200)).forEach(got::add);
                return !got.isEmpty();
            });
            ConsumerRecord<byte[], byte[]> r = got.get(0);
            assertThat(utf8(r.key())).isEqualTo("customer-7");
            assertThat(utf8(r.value())).isEqualTo("payload-ä");
            assertThat(r.timestamp()).isEqualTo(1_700_000_000_000L);
            assertThat(utf8(r.headers().lastHeader(KeelHeaders.ID).value())).isEqualTo("id-h");
            assertThat(utf8(r.headers().lastHeader("app").value())).isEqualTo("ünïcode");
        }
    }

    @Test
    void publishToAMissingTopicShouldFailAsUnroutableAndSayHowToFixIt() {
        String topic = KafkaTestSupport.unique("missing");
        CompletableFuture<PublishReceipt> send = adapter.producer().send(record(topic, "id", null, "x"))
                .toCompletableFuture();

        assertThatThrownBy(send::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(UnroutableException.class)
                .hasMessageContaining(topic).hasMessageContaining("does not exist")
                .hasMessageContaining("ensureTopology")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
    }

    @Test
    void publishesQueuedWhileTheTopicIsCheckedShouldAllFailOrAllSucceedInOrder() {
        String missing = KafkaTestSupport.unique("missing-many");
        List<CompletableFuture<PublishReceipt>> failed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            failed.add(adapter.producer().send(record(missing, "m" + i, null, "x")).toCompletableFuture());
        }
        for (CompletableFuture<PublishReceipt> f : failed) {
            assertThatThrownBy(f::join).cause().isInstanceOf(UnroutableException.class);
        }

        String present = KafkaTestSupport.unique("present-many");
        adapter.ensureTopology(TopicSpec.builder(present).partitions(1).build());
        try (KafkaAdapter fresh = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build())) {
            List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(fresh.producer().send(record(present, "p" + i, "same-key", "x")).toCompletableFuture());
            }
            for (int i = 0; i < 20; i++) {
                assertThat(sent.get(i).join().offset()).isEqualTo(i);
            }
        }
    }

    @Test
    void recordTooLargeShouldFailNotRetriableWithAClearMessage() {
        String topic = KafkaTestSupport.unique("large");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        OutboundRecord huge = new OutboundRecord(topic, "big", null, Map.of(), new byte[2 * 1024 * 1024],
                Instant.now());

        CompletableFuture<PublishReceipt> send = adapter.producer().send(huge).toCompletableFuture();

        assertThatThrownBy(send::join).cause().isInstanceOf(PublishException.class)
                .isNotInstanceOf(UnroutableException.class).hasMessageContaining("record too large")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
    }

    @Test
    void sendAfterCloseShouldFailWithClosedException() {
        String topic = KafkaTestSupport.unique("closed");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        BrokerProducer producer = adapter.producer();
        producer.send(record(topic, "before", null, "x")).toCompletableFuture().join();
        producer.close();

        assertThatThrownBy(() -> producer.send(record(topic, "after", null, "x")).toCompletableFuture().join())
                .cause().isInstanceOf(ClosedException.class);
    }

    @Test
    void ensureTopologyWithMoreReplicasThanBrokersShouldFailClearly() {
        String topic = KafkaTestSupport.unique("rf");
        TopicSpec spec = TopicSpec.builder(topic).partitions(1).replicationFactor(3).build();

        assertThatThrownBy(() -> adapter.ensureTopology(spec)).isInstanceOf(KeelException.class)
                .hasMessageContaining(topic).hasMessageContaining("replication factor")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
    }

    @Test
    void withTopicAutoCreationAPublishToANewTopicShouldDeferToTheBroker() throws Exception {
        String topic = KafkaTestSupport.unique("auto");
        boolean brokerCreates;
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            String node = String.valueOf(admin.describeCluster().nodes().get().iterator().next().id());
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
            brokerCreates = Boolean.parseBoolean(admin.describeConfigs(Set.of(broker)).all().get().get(broker)
                    .get("auto.create.topics.enable").value());
        }
        try (KafkaAdapter lenient = new KafkaAdapter(KafkaTestSupport.config(bootstrap).topicAutoCreation(true)
                .maxBlock(Duration.ofSeconds(2)).build())) {
            CompletableFuture<PublishReceipt> send = lenient.producer().send(record(topic, "auto-1", "k", "x"))
                    .toCompletableFuture();

            if (brokerCreates) {
                assertThat(send.join().topic()).isEqualTo(topic);
            } else {
                assertThatThrownBy(send::join).cause().isInstanceOf(UnroutableException.class)
                        .hasMessageContaining("does not exist");
            }
        }
    }

    @Test
    void aBurstRightAfterDeclaringShouldBeConfirmedInPublishOrderPerKey() {
        // a produce reaching a just-created partition before its leader serves it is refused, and the
        // idempotent producer's later in-flight batches can then be stored ahead of the refused one
        String topic = KafkaTestSupport.unique("burst");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<PublishReceipt>> sends = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            sends.add(producer.send(record(topic, "b-" + i, "key-" + (i % 100), "x")).toCompletableFuture());
        }

        Map<String, Long> lastOffsetOfKey = new java.util.HashMap<>();
        for (int i = 0; i < sends.size(); i++) {
            PublishReceipt receipt = sends.get(i).join();
            String key = "key-" + (i % 100);
            Long previous = lastOffsetOfKey.put(key + "@" + receipt.partition(), receipt.offset());
            assertThat(previous == null || previous < receipt.offset()).as("offset of message %d of %s", i, key)
                    .isTrue();
        }
    }

    @Test
    void aRecordTooLargeInTheMiddleOfAStreamShouldFailAloneAndTheOthersBeConfirmedInOrder() {
        String topic = KafkaTestSupport.unique("large-mid");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<PublishReceipt>> sends = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            OutboundRecord r = i == 1_000
                    ? new OutboundRecord(topic, "big", "key-0", Map.of(), new byte[2 * 1024 * 1024], Instant.now())
                    : record(topic, "m-" + i, "key-" + (i % 10), "x");
            sends.add(producer.send(r).toCompletableFuture());
        }

        assertThatThrownBy(sends.get(1_000)::join).cause().isInstanceOf(PublishException.class)
                .hasMessageContaining("record too large")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        Map<String, Long> lastOffsetOfKey = new java.util.HashMap<>();
        for (int i = 0; i < sends.size(); i++) {
            if (i == 1_000) {
                continue;
            }
            PublishReceipt receipt = sends.get(i).join();
            Long previous = lastOffsetOfKey.put("key-" + (i % 10), receipt.offset());
            assertThat(previous == null || previous < receipt.offset()).as("offset of message %d", i).isTrue();
        }
    }

    @Test
    void closeUnderLoadShouldCompleteEveryAcceptedSendBeforeItReturns() {
        String topic = KafkaTestSupport.unique("close-load");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        BrokerProducer producer = adapter.producer();
        producer.send(record(topic, "warm", "k", "x")).toCompletableFuture().join();
        List<CompletableFuture<PublishReceipt>> sends = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            sends.add(producer.send(record(topic, "c-" + i, "key-" + (i % 10), "x")).toCompletableFuture());
        }

        producer.close();

        assertThat(sends).as("no send left pending once close returned").allMatch(CompletableFuture::isDone);
        for (CompletableFuture<PublishReceipt> send : sends) {
            if (send.isCompletedExceptionally()) {
                assertThatThrownBy(send::join).cause().isInstanceOf(ClosedException.class);
            }
        }
    }
}
