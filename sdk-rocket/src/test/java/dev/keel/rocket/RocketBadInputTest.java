package dev.keel.rocket;

import static dev.keel.rocket.RocketTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What RocketMQ cannot carry fails at once with a clear, typed, non-retriable error; the producer stays healthy.
 * The RocketMQ-only cases: the limits every adapter shares (ids, header names, payloads, keys) are
 * {@link RocketAdapterContractTest}'s.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketBadInputTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final String topic = RocketTestSupport.unique("bad");
    private RocketReceiver receiver;

    @BeforeEach
    void declare() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
    }

    @AfterEach
    void close() {
        if (receiver != null) {
            receiver.close().toCompletableFuture().join();
        }
        adapter.close();
    }

    @Test
    void topicNameWithADotShouldBeRefusedClearly() {
        assertRefused(record("orders.v1", "d-1", "k", "x"), "no dots");
        assertThatThrownBy(() -> adapter.ensureTopology(TopicSpec.builder("orders.v1").build()))
                .isInstanceOf(TopologyException.class).hasMessageContaining("no dots");
        assertThat(adapter.defaultDeadLetterTopic(topic)).isEqualTo(topic + "_DLT");
        assertProducerHealthy();
    }

    @Test
    void groupNameRocketMqCannotHoldShouldBeRefusedClearly() {
        assertThatThrownBy(() -> adapter.consumer(new ConsumerSettings(topic, "billing.v2", 10, Duration.ofSeconds(5))))
                .isInstanceOf(KeelException.class).hasMessageContaining("billing.v2")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
    }

    @Test
    void headerWithAReservedPropertyNameShouldBeRefused() {
        assertRefused(withHeader("KEYS", "mine"), "reserves");
        assertRefused(withHeader("UNIQ_KEY", "mine"), "reserves");
        assertRefused(withHeader("TAGS", "mine"), "reserves");
        assertRefused(withHeader("keel-empty-body", "1"), "reserves");
        assertProducerHealthy();
    }

    @Test
    void headerWithRocketMqsSeparatorsShouldBeRefused() {
        assertRefused(withHeader("note", "a\u0001b"), "separators");
        assertRefused(withHeader("no\u0002te", "ab"), "separators");
        assertProducerHealthy();
    }

    @Test
    void emptyHeaderValuesAndLargeCompressedBodiesShouldArriveAsSent() {
        Map<String, String> headers = new HashMap<>(Map.of(KeelHeaders.ID, "e-1", KeelHeaders.KEY, "k", "empty", "",
                "also-empty", "", "full", "v"));
        byte[] large = new byte[300_000]; // the client compresses bodies over 4 KiB
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i % 61);
        }
        adapter.producer().send(new OutboundRecord(topic, "e-1", "k", headers, large, Instant.now()))
                .toCompletableFuture().join();

        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);
        receiver = (RocketReceiver) adapter.consumer(new ConsumerSettings(topic, "empty-readers", 10,
                Duration.ofSeconds(5)));
        receiver.start(sink);
        await().atMost(PATIENCE).until(() -> !sink.records.isEmpty());
        InboundRecord received = sink.records.get(0);
        assertThat(received.id()).isEqualTo("e-1");
        assertThat(received.headers()).containsEntry("empty", "").containsEntry("also-empty", "")
                .containsEntry("full", "v").doesNotContainKey("keel-empty-headers").doesNotContainKey("UNIQ_KEY");
        assertThat(received.payload()).isEqualTo(large);
    }

    private OutboundRecord withHeader(String name, String value) {
        Map<String, String> headers = new HashMap<>(Map.of(KeelHeaders.ID, "h-1"));
        headers.put(name, value);
        return new OutboundRecord(topic, "h-1", "k", headers, "x".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Instant.now());
    }

    private void assertRefused(OutboundRecord record, String because) {
        BrokerProducer producer = adapter.producer();
        assertThatThrownBy(() -> producer.send(record).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(PublishException.class).hasMessageContaining(because)
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).as("retriable").isFalse());
    }

    private void assertProducerHealthy() {
        PublishReceipt receipt = adapter.producer().send(record(topic, "fine", "k", "fine")).toCompletableFuture()
                .join();
        assertThat(receipt.messageId()).isEqualTo("fine");
    }
}
