package dev.keel.kafka;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import java.util.LinkedHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.keel.testbrokers.UniqueNames;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/** Shared helpers of the Kafka adapter tests: names, configs, plain clients. */
final class KafkaTestSupport {


    private KafkaTestSupport() {
    }

    static String unique(String prefix) {
        return UniqueNames.of(prefix);
    }

    /**
     * Dead letters of {@code group} written straight to {@code topic}'s dead-letter topic (created with
     * {@code partitions} partitions, and {@code topic} with one): {@code perPartition} ids in each partition, each id's
     * {@code copies} letters side by side, the {@code n}th letter of a partition with the payload {@code payloads}
     * gives; returns the ids.
     */
    static List<String> writeDeadLetters(Keel keel, String bootstrap, String topic, String group, int partitions,
                                         int perPartition, int copies, IntFunction<byte[]> payloads) throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        keel.ensureTopology(TopicSpec.builder(topic + ".DLT").partitions(partitions).build());
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = plainProducer(bootstrap)) {
            List<Future<?>> sends = new ArrayList<>();
            for (int partition = 0; partition < partitions; partition++) {
                for (int n = 0; n < perPartition * copies; n++) {
                    String id = "letter-" + partition + "-" + n / copies;
                    if (n % copies == 0) {
                        ids.add(id);
                    }
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic + ".DLT", partition, utf8(id),
                            payloads.apply(n));
                    Map<String, String> headers = new LinkedHashMap<>();
                    headers.put(KeelHeaders.ID, id);
                    headers.put(KeelHeaders.DLT_GROUP, group);
                    headers.put(KeelHeaders.DLT_ORIGIN_TOPIC, topic);
                    headers.put(KeelHeaders.DLT_CAUSE_CLASS, "java.lang.IllegalStateException");
                    headers.put(KeelHeaders.DLT_ATTEMPTS, "1");
                    headers.put(KeelHeaders.DLT_AT, Long.toString(System.currentTimeMillis()));
                    headers.put(KeelHeaders.DLT_REASON, "handler");
                    headers.forEach((name, value) -> record.headers().add(name, utf8(value)));
                    sends.add(producer.send(record));
                }
            }
            for (Future<?> send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }
        }
        return ids;
    }

    /** A config with test-friendly timeouts. */
    static KafkaConfig.Builder config(String bootstrap) {
        return KafkaConfig.custom().bootstrapServers(bootstrap)
                .clientId("keel-test")
                .maxBlock(Duration.ofSeconds(5))
                .commitInterval(Duration.ofMillis(50))
                .property(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000")
                .property(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        createTopic(bootstrap, topic, partitions, Map.of());
    }

    static void createTopic(String bootstrap, String topic, int partitions, Map<String, String> configs)
            throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        }
    }

    /** Sets {@code configs} on the topic, as Kafka's tools would (an operator changing it). */
    static void alterTopic(String bootstrap, String topic, Map<String, String> configs) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        List<AlterConfigOp> ops = configs.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                .toList();
        try (Admin admin = admin(bootstrap)) {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
        }
    }

    /** Sets {@code configs} on the share group {@code group} (it need not exist yet), as kafka-configs.sh would. */
    static void alterShareGroup(String bootstrap, String group, Map<String, String> configs) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = configs.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                .toList();
        try (Admin admin = admin(bootstrap)) {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get();
        }
    }

    /** The topic's effective value of config {@code name} (null when the topic does not exist). */
    static String topicConfig(String bootstrap, String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = admin(bootstrap)) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return null;
            }
            ConfigEntry entry = admin.describeConfigs(Set.of(resource)).all().get().get(resource).get(name);
            return entry == null ? null : entry.value();
        }
    }

    /** The end offset of each partition of {@code topic}, by partition number. */
    static Map<Integer, Long> endOffsets(String bootstrap, String topic) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            int partitions = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<Integer, Long> out = new HashMap<>();
            admin.listOffsets(specs).all().get().forEach((tp, info) -> out.put(tp.partition(), info.offset()));
            return out;
        }
    }

    /** The group's committed offset per partition number (absent when none). */
    static Map<Integer, Long> committed(String bootstrap, String group) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            Map<Integer, Long> out = new HashMap<>();
            offsets.forEach((tp, om) -> {
                if (om != null) {
                    out.put(tp.partition(), om.offset());
                }
            });
            return out;
        }
    }

    static KafkaProducer<byte[], byte[]> plainProducer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    static KafkaConsumer<byte[], byte[]> plainConsumer(String bootstrap, String group, String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        consumer.subscribe(Set.of(topic));
        return consumer;
    }

    /**
     * A plain member of {@code group} (not subscribed yet): cooperative-sticky like Keel's consumers, committing nothing.
     */
    static KafkaConsumer<byte[], byte[]> plainMember(String bootstrap, String group) {
        return plainMember(bootstrap, group, Map.of());
    }

    /** {@link #plainMember(String, String)} with {@code more} consumer properties. */
    static KafkaConsumer<byte[], byte[]> plainMember(String bootstrap, String group, Map<String, Object> more) {
        Map<String, Object> properties = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        properties.putAll(more);
        return new KafkaConsumer<>(properties);
    }

    /** Reads {@code topic} from the start in a new group with a plain consumer until {@code count} records came. */
    static List<ConsumerRecord<byte[], byte[]>> readPlainly(String bootstrap, String topic, int count,
                                                           Duration wait) {
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> plain = plainConsumer(bootstrap, unique("plain"), topic)) {
            Awaitility.await().atMost(wait).until(() -> {
                plain.poll(Duration.ofMillis(200)).forEach(got::add);
                return got.size() >= count;
            });
        }
        return got;
    }

    /** Every record of partition 0 of {@code topic}, from the start up to the end {@code isolation} lets a reader see. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, String isolation,
                                                       Duration wait) {
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            TopicPartition partition = new TopicPartition(topic, 0);
            reader.assign(Set.of(partition));
            reader.seekToBeginning(Set.of(partition));
            long end = reader.endOffsets(Set.of(partition)).get(partition);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            Awaitility.await().atMost(wait).until(() -> {
                reader.poll(Duration.ofMillis(200)).forEach(records::add);
                return reader.position(partition) >= end;
            });
            return records;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
