package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.kafka.internal.KafkaSender;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The producer's bounded send queue. The caller's thread appends, a sender thread of the producer calls
 * {@code KafkaProducer.send} in order; here that thread is held (a {@link HoldingInterceptor} on the real broker) or
 * waits {@code maxBlock} for metadata (a Kafka that does not answer: a closed port, topic auto-creation on, so no
 * topic check stands in front of the producer), while callers fill the queue behind it.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaSendQueueTest {

    private static final Duration MAX_BLOCK = Duration.ofMillis(1500);

    @Test
    void aCallerFindingTheSendQueueFullShouldWaitForRoomThenFailWithARetriableTimeoutAndTheOthersGoOnInOrder()
            throws Exception {
        String topic = HoldingInterceptor.PREFIX + KafkaTestSupport.unique("queue");
        KafkaConfig config = KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).maxBlock(Duration.ofSeconds(1))
                .property(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, HoldingInterceptor.class.getName()).build();
        try (KafkaAdapter adapter = new KafkaAdapter(config)) {
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            BrokerProducer producer = adapter.producer();
            producer.send(record(topic, "first")).toCompletableFuture().join(); // the topic's check is behind it
            HoldingInterceptor.hold();
            List<CompletableFuture<PublishReceipt>> accepted = new ArrayList<>();
            try {
                for (int i = 0; i < KafkaSender.SEND_QUEUE_CAPACITY; i++) {
                    accepted.add(producer.send(record(topic, "m-" + i)).toCompletableFuture());
                }
                // the queue holds its capacity, the send the sender thread is on included: this one waits
                // maxBlock for room (the only way to this error), then it is refused, not sent
                CompletableFuture<PublishReceipt> overflow = producer.send(record(topic, "overflow")).toCompletableFuture();

                assertThat(overflow).as("refused when its send returned").isCompletedExceptionally();
                assertThat(failureOf(overflow)).isInstanceOf(KeelTimeoutException.class)
                        .hasMessageContaining("send queue").hasMessageContaining("maxBlock")
                        .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isTrue());
                assertThat(accepted).noneMatch(CompletableFuture::isDone);
            } finally {
                HoldingInterceptor.release();
            }
            for (int i = 0; i < accepted.size(); i++) {
                assertThat(accepted.get(i).join().offset()).as("offset of message %d", i).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void sendsQueuedToATopicWhoseMetadataDoesNotComeShouldFailAfterOneWaitNotOneWaitEach() throws Exception {
        try (KafkaAdapter adapter = new KafkaAdapter(unreachable())) {
            BrokerProducer producer = adapter.producer();
            List<CompletableFuture<PublishReceipt>> toA = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                toA.add(producer.send(record("a", "a-" + i)).toCompletableFuture());
            }
            CompletableFuture<PublishReceipt> toB = producer.send(record("b", "b-0")).toCompletableFuture();

            // one maxBlock each would take 200 x 1.5 s
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> toA.stream().allMatch(CompletableFuture::isDone));
            for (CompletableFuture<PublishReceipt> send : toA) {
                assertThat(failureOf(send)).isInstanceOf(BrokerUnavailableException.class)
                        .hasMessageContaining("no Kafka metadata").hasMessageContaining("topic a");
            }
            // another topic queued behind them gets its own attempt (and its own error)
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(toB::isDone);
            assertThat(failureOf(toB)).isInstanceOf(BrokerUnavailableException.class).hasMessageContaining("topic b");
        }
    }

    @Test
    void closeShouldFailEverySendStillQueuedAndLeaveNonePending() throws Exception {
        List<CompletableFuture<PublishReceipt>> accepted;
        KafkaAdapter adapter = new KafkaAdapter(unreachable());
        try {
            accepted = fill(adapter.producer());
        } finally {
            adapter.close();
        }

        assertThat(accepted).allMatch(CompletableFuture::isDone);
        for (CompletableFuture<PublishReceipt> send : accepted) {
            assertThat(failureOf(send)).isInstanceOfAny(ClosedException.class, BrokerUnavailableException.class);
        }
        assertThat(accepted.stream().map(KafkaSendQueueTest::failureOf).filter(ClosedException.class::isInstance))
                .as("the sends still queued at the close").hasSizeGreaterThan(KafkaSender.SEND_QUEUE_CAPACITY - 10);
    }

    /** One send to topic a (which the sender thread waits for), then b's until the queue is full. */
    private static List<CompletableFuture<PublishReceipt>> fill(BrokerProducer producer) {
        List<CompletableFuture<PublishReceipt>> accepted = new ArrayList<>();
        accepted.add(producer.send(record("a", "a-0")).toCompletableFuture());
        for (int i = 1; i < KafkaSender.SEND_QUEUE_CAPACITY; i++) {
            accepted.add(producer.send(record("b", "b-" + i)).toCompletableFuture());
        }
        return accepted;
    }

    private static KafkaConfig unreachable() throws IOException {
        return KafkaConfig.custom().bootstrapServers("127.0.0.1:" + closedPort()).clientId("keel-queue-test")
                .topicAutoCreation(true).maxBlock(MAX_BLOCK).requestTimeout(Duration.ofSeconds(1))
                .closeTimeout(Duration.ofSeconds(1)).build();
    }

    private static OutboundRecord record(String topic, String id) {
        return new OutboundRecord(topic, id, "k", Map.of(), "x".getBytes(StandardCharsets.UTF_8), Instant.now());
    }

    private static Throwable failureOf(CompletableFuture<PublishReceipt> send) {
        try {
            send.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the send to fail, it was confirmed");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
