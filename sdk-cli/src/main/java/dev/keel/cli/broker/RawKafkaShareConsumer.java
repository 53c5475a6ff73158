package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A raw {@link KafkaShareConsumer} loop as an application with per-record acknowledgement writes it: explicit
 * acknowledgement, ACCEPT for each record of a poll, the next poll carrying the acknowledgements, kafka-clients'
 * defaults otherwise ({@code batch_optimized} acquisition, {@code max.poll.records} 500), no work per record but
 * counting it. The share group starts at the earliest offset (set on the group first, as Keel does).
 */
final class RawKafkaShareConsumer implements RawConsumeBaseline {

    private final KafkaClients clients;

    RawKafkaShareConsumer(KafkaClients clients) {
        this.clients = clients;
    }

    @Override
    public String id() {
        return "kafka_share_poll_loop";
    }

    @Override
    public String description() {
        return "raw KafkaShareConsumer loop (explicit ACCEPT per record)";
    }

    @Override
    public void consume(String topic, String group, int messages, Progress progress, Throughput throughput)
            throws Exception {
        try (Admin admin = Admin.create(clients.config(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, "keel-cli-raw-share-admin")))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> props = clients.config(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "keel-cli-raw-share-" + group,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                "share.acknowledgement.mode", "explicit",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        long received = 0;
        long deadline = System.nanoTime() + KafkaMode.RAW_CONSUME_TIMEOUT.toNanos();
        try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            while (received < messages) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the raw share-consumer loop read only " + received + " of "
                            + messages + " messages in " + KafkaMode.RAW_CONSUME_TIMEOUT.toMinutes() + " minutes");
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                    throughput.record();
                }
                received += records.count();
                progress.advance(records.count());
            }
            consumer.commitSync();
        }
    }
}
