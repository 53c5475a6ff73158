package dev.keel.cli.broker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * kafka-clients used well for latency: the producer of the publish baseline (async send, acks=all,
 * idempotent, Keel's linger) and a poll loop that handles each batch, then commits it asynchronously.
 */
final class RawKafkaLatency implements RawLatencyBaseline {

    static final Duration POLL = Duration.ofMillis(100);

    private final KafkaClients clients;

    RawKafkaLatency(KafkaClients clients) {
        this.clients = clients;
    }

    @Override
    public String id() {
        return "kafka_clients";
    }

    @Override
    public String description() {
        return "raw kafka-clients: async send (acks=all, idempotent, linger " + clients.lingerMillis()
                + " ms), poll loop committing each batch";
    }

    /** A raw consumer of {@code group}: from the earliest record, manual commits, bytes. */
    static Map<String, Object> consumerProps(KafkaClients clients, String clientId, String group) {
        return clients.config(Map.of(ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    }

    @Override
    public Session open(String topic, String group, Consumer<byte[]> onPayload) {
        Map<String, Object> producerProps = clients.config(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "keel-cli-raw-latency",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, clients.lingerMillis(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        Map<String, Object> consumerProps = consumerProps(clients, "keel-cli-raw-latency", group);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread poller = new Thread(() -> {
            try {
                consumer.subscribe(List.of(topic));
                while (!Thread.currentThread().isInterrupted()) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        onPayload.accept(r.value());
                    }
                    if (!records.isEmpty()) {
                        consumer.commitAsync();
                    }
                }
            } catch (WakeupException stop) {
                // close() asked the loop to end
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            } finally {
                consumer.close();
            }
        }, "keel-bench-raw-kafka-poll");
        poller.setDaemon(true);
        poller.start();
        return new Session() {
            @Override
            public void publish(String key, byte[] payload) {
                producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), payload), (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
            }

            @Override
            public void close() throws IOException {
                try {
                    producer.close(Duration.ofSeconds(30));
                } finally {
                    consumer.wakeup();
                    try {
                        poller.join(TimeUnit.SECONDS.toMillis(10));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while stopping the raw Kafka consumer");
                    }
                }
                if (failure.get() != null) {
                    throw new IOException("raw kafka-clients failed: " + failure.get(), failure.get());
                }
            }
        };
    }
}
