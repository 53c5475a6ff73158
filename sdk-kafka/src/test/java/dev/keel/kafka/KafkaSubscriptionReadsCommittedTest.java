package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Keel's subscriptions read only committed records ({@code isolation.level=read_committed}), as docs/kafka.md promises
 * for readers of a transactional pipeline's outputs: records of an aborted transaction are never handled. Before, the
 * consumers read uncommitted (kafka-clients' default), and a handler ran for each aborted output.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaSubscriptionReadsCommittedTest {

    @Test
    void recordsOfAnAbortedTransactionShouldNeverBeHandled() {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("read-committed");
        List<String> handled = new CopyOnWriteArrayList<>();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                    .build(), d -> handled.add(d.id()));
            try (KafkaProducer<byte[], byte[]> producer = transactional(bootstrap, topic)) {
                producer.initTransactions();
                producer.beginTransaction();
                send(producer, topic, "aborted-1");
                send(producer, topic, "aborted-2");
                producer.flush();
                producer.abortTransaction();
                producer.beginTransaction();
                send(producer, topic, "committed-1");
                producer.commitTransaction();
            }
            keel.publisher(topic, Codec.utf8()).message("after").id("plain-1").publish();

            await().atMost(Duration.ofSeconds(60)).until(() -> handled.contains("plain-1"));
            assertThat(handled).containsExactly("committed-1", "plain-1");
        }
    }

    private static KafkaProducer<byte[], byte[]> transactional(String bootstrap, String topic) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic + "-tx");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String id) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, bytes(id), bytes("payload"));
        record.headers().add(KeelHeaders.ID, bytes(id));
        producer.send(record);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
