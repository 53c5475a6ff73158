package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.BrokerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Apache Kafka through {@code --bootstrap-servers}. */
final class KafkaMode implements BrokerMode {

    static final String NAME = "kafka";
    static final int DEFAULT_PORT = 9092;
    private static final Duration SESSION_DROP_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String endpoint(BrokerOptions options) {
        TlsSettings tls = options.tls();
        String protocol = tls.kafkaProperties().get("security.protocol");
        return options.bootstrapServers() + (protocol == null ? "" : " over " + protocol.strip())
                + (tls.kafkaTls() && !tls.describe().isEmpty() ? " with " + tls.describe() : "");
    }

    /** Keel's Kafka configuration: the bootstrap servers and every property of --kafka-config and --kafka-property. */
    static KafkaConfig config(BrokerOptions options) {
        KafkaConfig.Builder b = KafkaConfig.custom().bootstrapServers(options.bootstrapServers()).clientId("keel-cli")
                .linger(options.kafkaLinger());
        options.tls().kafkaProperties().forEach((name, value) -> {
            try {
                b.property(name, value);
            } catch (IllegalArgumentException e) {
                throw new EnvironmentException("--kafka-property/--kafka-config " + name + ": " + e.getMessage()
                        + (name.equals("linger.ms") ? " (here: --kafka-linger)" : ""), e);
            }
        });
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // settings that cannot work together (SASL's mechanism and login module): said as the client's refusals are
            throw new EnvironmentException("the Kafka client refused its configuration (--kafka-config, "
                    + "--kafka-tls-config, --kafka-property): " + e.getMessage() + ". Fix the setting it names and run "
                    + "again.", e);
        }
    }

    /**
     * The addresses' form first (refused naming the flag), then the configuration (refused without a broker when it
     * cannot work), then that the broker is reachable.
     */
    @Override
    public void preflight(BrokerOptions options) {
        Endpoints.hostPorts(options.bootstrapServers(), DEFAULT_PORT, "--bootstrap-servers");
        config(options);
        Endpoints.requireAnyReachable("Kafka", options.bootstrapServers(), DEFAULT_PORT, "--bootstrap-servers",
                "Start a Kafka broker there (docs/cli.md, 'Running against real brokers') or point "
                        + "--bootstrap-servers at one; --broker memory needs nothing installed.");
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        return new KafkaAdapter(config(options));
    }

    /**
     * The group coordinator removes every member of {@code group} ({@code Admin.removeMembersFromConsumerGroup}
     * without members: KIP-571): each is fenced, loses its partitions at its next heartbeat and joins again.
     */
    @Override
    public Optional<Runnable> groupSessionDrop(BrokerOptions options, String group) {
        return Optional.of(() -> {
            try (Admin admin = Admin.create(KafkaClients.of(options).config(Map.of(AdminClientConfig.CLIENT_ID_CONFIG,
                    "keel-cli-session-drop")))) {
                admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all()
                        .get(SESSION_DROP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while removing the members of group " + group, e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Kafka did not remove the members of group " + group + ": " + e, e);
            }
        });
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        return List.of(new RawKafkaProducer(KafkaClients.of(options)));
    }

    @Override
    public Optional<RawConsumeBaseline> rawConsumeBaseline(BrokerOptions options) {
        return Optional.of(new RawKafkaConsumer(KafkaClients.of(options)));
    }

    @Override
    public Optional<RawConsumeBaseline> rawShareConsumeBaseline(BrokerOptions options) {
        return Optional.of(new RawKafkaShareConsumer(KafkaClients.of(options)));
    }

    @Override
    public Optional<RawLatencyBaseline> rawLatencyBaseline(BrokerOptions options) {
        return Optional.of(new RawKafkaLatency(KafkaClients.of(options)));
    }

    /** How long the raw poll loop may take before it gives up. */
    static final Duration RAW_CONSUME_TIMEOUT = Duration.ofMinutes(5);
    /** The header Keel's publishers carry a message's id in. */
    static final String KEEL_ID = "keel-id";

    /**
     * A raw kafka-clients poll loop as an at-least-once consumer writes it: manual commits, one async
     * commit of the polled positions after each non-empty poll, the same {@code max.poll.records} as
     * Keel's consumers (kafka-clients' default), no work per record but counting it.
     */
    static final class RawKafkaConsumer implements BatchingConsumeBaseline {
        private final KafkaClients clients;

        RawKafkaConsumer(KafkaClients clients) {
            this.clients = clients;
        }

        @Override
        public String id() {
            return "kafka_poll_loop";
        }

        @Override
        public String description() {
            return "raw kafka-clients poll loop (commitAsync after each poll)";
        }

        @Override
        public void consume(String topic, String group, int messages, Progress progress, Throughput throughput,
                            BatchWork work) throws Exception {
            Map<String, Object> props = RawKafkaLatency.consumerProps(clients, "keel-cli-raw-" + group, group);
            long received = 0;
            long deadline = System.nanoTime() + RAW_CONSUME_TIMEOUT.toNanos();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(topic));
                BatchesInFlight<Map<TopicPartition, OffsetAndMetadata>> inFlight = work == null ? null
                        : new BatchesInFlight<>(throughput, progress, offsets -> consumer.commitAsync(offsets, null));
                while ((inFlight == null ? received : inFlight.counted()) < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the raw poll loop read only " + received + " of " + messages
                                + " messages in " + RAW_CONSUME_TIMEOUT.toMinutes() + " minutes");
                    }
                    if (inFlight != null && received >= messages) {
                        inFlight.countDone(0);
                        continue;
                    }
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                    if (inFlight != null) {
                        if (!records.isEmpty()) {
                            received += records.count();
                            inFlight.add(work, receivedOf(records), offsetsOf(records));
                        } else {
                            inFlight.countDone(BatchWork.MAX_BATCHES_IN_FLIGHT);
                        }
                    } else if (!records.isEmpty()) {
                        for (int i = records.count(); i > 0; i--) {
                            throughput.record();
                        }
                        received += records.count();
                        progress.advance(records.count());
                        consumer.commitAsync();
                    }
                }
                consumer.commitSync();
            }
        }

        /** The position after each partition's last record of {@code records}. */
        static Map<TopicPartition, OffsetAndMetadata> offsetsOf(ConsumerRecords<byte[], byte[]> records) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : records.partitions()) {
                List<ConsumerRecord<byte[], byte[]>> of = records.records(partition);
                offsets.put(partition, new OffsetAndMetadata(of.get(of.size() - 1).offset() + 1));
            }
            return offsets;
        }

        /** Each record's {@code keel-id}, or {@code topic-partition-offset} where it has none. */
        static List<BatchWork.Received> receivedOf(ConsumerRecords<byte[], byte[]> records) {
            List<BatchWork.Received> batch = new ArrayList<>(records.count());
            for (ConsumerRecord<byte[], byte[]> r : records) {
                Header id = r.headers().lastHeader(KEEL_ID);
                batch.add(new BatchWork.Received(id != null && id.value() != null
                        ? new String(id.value(), StandardCharsets.UTF_8)
                        : r.topic() + "-" + r.partition() + "-" + r.offset(),
                        r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8)));
            }
            return batch;
        }
    }

    /** kafka-clients used well: async send, acks=all, idempotent, the same linger as Keel's producer. */
    static final class RawKafkaProducer implements RawPublishBaseline {
        private final KafkaClients clients;

        RawKafkaProducer(KafkaClients clients) {
            this.clients = clients;
        }

        @Override
        public String id() {
            return "kafka_async_send";
        }

        @Override
        public String description() {
            return "raw kafka-clients: async send, acks=all, idempotent, linger " + clients.lingerMillis() + " ms";
        }

        @Override
        public long publish(String topic, int messages, int keys, byte[] payload, Progress progress) throws Exception {
            Map<String, Object> props = clients.config(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "keel-cli-raw",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, clients.lingerMillis(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
            AtomicLong confirmed = new AtomicLong();
            AtomicReference<Exception> failure = new AtomicReference<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < messages && failure.get() == null; i++) {
                    byte[] key = ("k" + (i % keys)).getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(topic, key, payload), (metadata, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            confirmed.incrementAndGet();
                            progress.advance(1);
                        }
                    });
                }
                producer.flush();
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            return confirmed.get();
        }
    }
}
