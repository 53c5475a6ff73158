package dev.keel.outbox.jdbc.testing;

import dev.keel.KeelHeaders;
import dev.keel.kafka.KafkaConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What is on the wire of a Kafka topic, read with a plain consumer of its own group: every record's
 * Keel id and key, in partition order, duplicates included.
 */
public final class KafkaWire implements AutoCloseable {

    /** One record: its Keel id, key, partition and headers. */
    public record Copy(String id, String key, int partition, Map<String, String> headers) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Copy> copies = new ArrayList<>();

    public KafkaWire(String bootstrap, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "wire-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        consumer.subscribe(Set.of(topic));
    }

    /** A Kafka adapter config with test-friendly timeouts. */
    public static KafkaConfig.Builder config(String bootstrap) {
        return KafkaConfig.custom().bootstrapServers(bootstrap).clientId("keel-outbox-test").maxBlock(Duration.ofSeconds(5))
                .commitInterval(Duration.ofMillis(50))
                .property(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000")
                .property(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    }

    /** Creates {@code topic} with {@code partitions} partitions and the topic configs {@code configs}. */
    public static void createTopic(String bootstrap, String topic, int partitions, Map<String, String> configs)
            throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Sets the topic configs {@code configs} of {@code topic}. */
    public static void alterTopic(String bootstrap, String topic, Map<String, String> configs) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<AlterConfigOp> ops = configs.entrySet().stream()
                    .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                    .toList();
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Polls once more and returns every record read so far. */
    public synchronized List<Copy> poll() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
            copies.add(new Copy(header(record, KeelHeaders.ID),
                    record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8), record.partition(),
                    Map.copyOf(headers)));
        }
        return List.copyOf(copies);
    }

    /** How many copies of each id were read so far. */
    public synchronized Map<String, Integer> countsById() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Copy copy : copies) {
            counts.merge(copy.id(), 1, Integer::sum);
        }
        return counts;
    }

    /** The ids of each key in the order they were read (a key lives in one partition). */
    public synchronized Map<String, List<String>> idsByKey() {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (Copy copy : copies) {
            byKey.computeIfAbsent(String.valueOf(copy.key()), k -> new ArrayList<>()).add(copy.id());
        }
        return byKey;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
