package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(RealBrokers.class)
class KafkaBrokerTest {

    @Test
    void rawClientPublishesAndConsumesOneRecord(KafkaEndpoint kafka) throws Exception {
        String topic = UniqueNames.of("smoke");

        send(kafka, topic, "hello");

        assertThat(consumeAll(kafka, topic, 1)).containsExactly("hello");
    }

    @Test
    void servesAgainAfterKillAndRestartWithItsData(KafkaEndpoint kafka) throws Exception {
        assumeTrue(kafka.supportsFaults(), "Kafka is not owned by the harness");
        String topic = UniqueNames.of("restart");
        send(kafka, topic, "before");

        kafka.kill();
        assertThat(TcpProbe.accepts(kafka.bootstrapServers())).as("port open after kill").isFalse();
        kafka.restart();
        send(kafka, topic, "after");

        assertThat(consumeAll(kafka, topic, 2)).containsExactly("before", "after");
    }

    @Test
    void proxiedListenerShouldCarryTheConnectionsToThePartitionLeaderThroughTheProxy(KafkaEndpoint kafka)
            throws Exception {
        assumeTrue(kafka.hasProxiedListener(), "only the harness's local Kafka has a proxied listener");
        String topic = UniqueNames.of("proxied");
        FaultProxy proxy = kafka.proxy();
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.proxiedBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, "key", "before")).get(60, TimeUnit.SECONDS);
            proxy.blackHole(true); // the producer now knows the leader: only a proxied leader address loses this one
            try {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "key", "lost")).get(60, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
            } finally {
                proxy.heal();
            }
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> producer
                    .send(new ProducerRecord<>(topic, "key", "after")).get(10, TimeUnit.SECONDS) != null);
        }
        assertThat(consumeAll(kafka, topic, 2)).startsWith("before").contains("after").doesNotContain("lost");
    }

    @Test
    void shareGroupsShouldBeEnabledWithLocksAsShortAsASecond(KafkaEndpoint kafka) throws Exception {
        assumeTrue(kafka.supportsFaults(), "only the harness's own Kafka is formatted with share groups");
        String topic = UniqueNames.of("share");
        String group = UniqueNames.of("share-group");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertThat(admin.describeFeatures().featureMetadata().get(60, TimeUnit.SECONDS).finalizedFeatures()
                    .get("share.version").maxVersionLevel()).as("share.version").isGreaterThanOrEqualTo((short) 2);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", "1000"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(60, TimeUnit.SECONDS);
        }
        send(kafka, topic, "queued");
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                "share.acknowledgement.mode", "explicit",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<Integer> locks = new ArrayList<>();
        try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                    locks.add(consumer.acquisitionLockTimeoutMs().orElse(-1));
                }
                return !locks.isEmpty();
            });
        }
        assertThat(locks).containsExactly(1000);
    }

    private static void send(KafkaEndpoint kafka, String topic, String value) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, "key", value)).get(60, TimeUnit.SECONDS);
        }
    }

    private static List<String> consumeAll(KafkaEndpoint kafka, String topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, UniqueNames.of("group"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
