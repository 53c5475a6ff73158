package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A share consumer whose record is decided while the renewal of its lock is out, and which is then asked to settle
 * (the engine's close, once its handlers returned) or closed: the record cannot be acknowledged until a poll returns
 * it. Before, the settle was answered at once and the client closed with the record unacknowledged: the group
 * delivered the handled message again (and what the renewal's poll had fetched was given back unseen, archived at
 * its last delivery). The real client is observed through {@link ShareReceiver}'s client factory so that the
 * decision, the settle and the close come exactly while the renewal is out.
 */
@UsesBrokers(BrokerKind.KAFKA)
class ShareSettleWhileRenewingTest {

    private static final Duration LOCK = Duration.ofSeconds(1);

    @Test
    void aRecordDecidedWhileItsRenewalIsOutShouldBeAcknowledgedBeforeTheSettleIsAnswered() throws Exception {
        // as the engine does, the close follows the settle at once (here on the thread that answers it)
        List<String> next = deliveredAfterAClose((receiver, handled) -> {
            handled.ack();
            return receiver.settle().thenCompose(v -> receiver.close());
        });
        assertThat(next).as("what the group delivers after the close: the handled message acknowledged, not again")
                .containsExactly("after");
    }

    /** A close whose timeout passed while the record's renewal was out (no settle): the same at the client's close. */
    @Test
    void aRecordDecidedWhileItsRenewalIsOutShouldBeAcknowledgedAtTheClose() throws Exception {
        List<String> next = deliveredAfterAClose((receiver, handled) -> {
            handled.ack();
            return receiver.close();
        });
        assertThat(next).as("what the group delivers after the close: the handled message acknowledged, not again")
                .containsExactly("after");
    }

    /**
     * Delivers one message to a subscription of one share consumer, begins its close while the message is held,
     * runs {@code atRenewal} right after the consumer's next renewal went out, waits for the stage it returns, and
     * then reads what a plain member of the group receives, up to a message published after the close.
     */
    private static List<String> deliveredAfterAClose(
            BiFunction<ShareReceiver, InboundRecord, CompletionStage<Void>> atRenewal) throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topic = "share-settle-" + suffix;
        String group = "share-settle-group-" + suffix;
        try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    set("share.record.lock.duration.ms", String.valueOf(LOCK.toMillis())),
                    set("share.auto.offset.reset", "earliest")))).all().get(30, TimeUnit.SECONDS);
        }
        publish(bootstrap, topic, "handled");

        KafkaConfig config = KafkaConfig.custom().bootstrapServers(bootstrap).clientId("keel-test")
                .commitInterval(Duration.ofMillis(50)).shareConsumers(1).build();
        BlockingQueue<InboundRecord> received = new LinkedBlockingQueue<>();
        AtomicReference<InboundRecord> decideAtRenewal = new AtomicReference<>();
        AtomicReference<CompletionStage<Void>> closed = new AtomicReference<>();
        AtomicReference<ShareReceiver> receiverRef = new AtomicReference<>();
        try (TopicAdmin topics = new TopicAdmin(ClientProperties.admin(config), Duration.ofSeconds(30))) {
            ShareReceiver receiver = new ShareReceiver(config,
                    new ConsumerSettings(topic, group, 16, Duration.ofSeconds(5), Optional.empty(), Optional.empty(),
                            Optional.empty(), true),
                    group, topics, 1, properties -> observed(new KafkaShareConsumer<>(properties), () -> {
                        InboundRecord handled = decideAtRenewal.getAndSet(null);
                        if (handled != null) { // the renewal went out, and the handler returns right now
                            closed.set(atRenewal.apply(receiverRef.get(), handled));
                        }
                    }));
            receiverRef.set(receiver);
            receiver.start(new Sink(received));
            InboundRecord handled = received.poll(60, TimeUnit.SECONDS);
            assertThat(handled).as("the message, delivered").isNotNull();
            handled.map();
            assertThat(handled.id()).isEqualTo("handled");

            receiver.stopFetching(); // the close begins while the handler runs
            decideAtRenewal.set(handled); // at the member's next renewal (within half a lock)
            await().atMost(LOCK.multipliedBy(10)).until(() -> closed.get() != null);
            closed.get().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        publish(bootstrap, topic, "after");
        return readUntil(bootstrap, topic, group, "after");
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private static void publish(String bootstrap, String topic, String value) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null,
                    value.getBytes(StandardCharsets.UTF_8));
            record.headers().add("keel-id", value.getBytes(StandardCharsets.UTF_8));
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The values a plain member of {@code group} receives, in order, up to and including {@code last} and for three
     * lock durations at least (a record its client's close left under a renewed lock comes back once that expires).
     */
    private static List<String> readUntil(String bootstrap, String topic, String group, String last) {
        List<String> values = new ArrayList<>();
        try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            long start = System.nanoTime();
            long deadline = start + Duration.ofSeconds(60).toNanos();
            while ((!values.contains(last) || System.nanoTime() - start < LOCK.multipliedBy(3).toNanos())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }

    /** {@code consumer}, running {@code afterCommitSync} after each of its {@code commitSync} calls returned. */
    @SuppressWarnings("unchecked")
    private static ShareConsumer<byte[], byte[]> observed(ShareConsumer<byte[], byte[]> consumer,
                                                          Runnable afterCommitSync) {
        return (ShareConsumer<byte[], byte[]>) Proxy.newProxyInstance(ShareConsumer.class.getClassLoader(),
                new Class<?>[] {ShareConsumer.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(consumer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("commitSync")) {
                        afterCommitSync.run();
                    }
                    return result;
                });
    }

    private record Sink(BlockingQueue<InboundRecord> received) implements DeliverySink {
        @Override
        public void accept(List<InboundRecord> records) {
            received.addAll(records);
        }

        @Override
        public CompletionStage<Void> revoke(Collection<String> partitions) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
