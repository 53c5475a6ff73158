package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.BuiltinExchangeType;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.spi.support.KeyHash;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@UsesBrokers(BrokerKind.RABBIT)
class RabbitProducerTest {

    private RabbitAdapter adapter;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void confirmedPublishesShouldCompleteWithTheLaneOfTheirKey() throws Exception {
        String topic = RabbitTestSupport.unique("orders");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group("billing").build());
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            sent.add(producer.send(Records.keyed(topic, "key-" + (i % 17), "m" + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < sent.size(); i++) {
            PublishReceipt receipt = sent.get(i).join();
            assertThat(receipt.topic()).isEqualTo(topic);
            assertThat(receipt.partition()).isEqualTo(Integer.toString(KeyHash.laneOf("key-" + (i % 17), 4)));
        }
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            int total = 0;
            for (int lane = 0; lane < 4; lane++) {
                total += raw.ready(topic + ".billing." + lane);
            }
            assertThat(total).isEqualTo(300);
        }
    }

    @Test
    void publishToTopicWithNoGroupShouldFailAsUnroutable() {
        String topic = RabbitTestSupport.unique("lonely");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        CompletableFuture<PublishReceipt> sent = adapter.producer().send(Records.keyed(topic, "k", "x"))
                .toCompletableFuture();
        assertThatThrownBy(() -> sent.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(UnroutableException.class)
                .hasMessageContaining(topic)
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
    }

    @Test
    void publishToUndeclaredTopicShouldFailAsUnroutable() {
        CompletableFuture<PublishReceipt> sent = adapter.producer().send(Records.keyed(RabbitTestSupport.unique("nowhere"), "k", "x"))
                .toCompletableFuture();
        assertThatThrownBy(() -> sent.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(UnroutableException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void unroutableMessagesShouldFailAloneAmongConfirmedOnes() throws Exception {
        String topic = RabbitTestSupport.unique("half");
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            // a plain exchange (no Keel marker) where only lane 0 has a queue; Keel assumes 2 lanes
            raw.channel().exchangeDeclare(topic, BuiltinExchangeType.DIRECT, true);
            raw.channel().queueDeclare(topic + ".q0", true, false, false, Map.of());
            raw.channel().queueBind(topic + ".q0", topic, "0");
        }
        try (RabbitAdapter twoLanes = new RabbitAdapter(RabbitTestSupport.config().defaultPartitions(2).channelPoolSize(1).build())) {
            List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add(twoLanes.producer().send(Records.record(topic, "id-" + i, null, "m" + i)).toCompletableFuture());
            }
            int confirmed = 0;
            int unroutable = 0;
            for (CompletableFuture<PublishReceipt> f : sent) {
                try {
                    PublishReceipt receipt = f.get(30, TimeUnit.SECONDS);
                    assertThat(receipt.partition()).isEqualTo("0");
                    confirmed++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(UnroutableException.class).hasMessageContaining("partition 1");
                    unroutable++;
                }
            }
            assertThat(confirmed).isEqualTo(100);
            assertThat(unroutable).isEqualTo(100);
            try (RawAmqp raw = new RawAmqp(adapter.config())) {
                assertThat(raw.ready(topic + ".q0")).isEqualTo(100);
            }
        }
    }

    @Test
    void anotherProcessShouldLearnThePartitionCountFromTheBroker() throws Exception {
        String topic = RabbitTestSupport.unique("shared");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(5).group("g").build());
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().defaultPartitions(3).build())) {
            for (int i = 0; i < 20; i++) {
                PublishReceipt receipt = other.producer().send(Records.keyed(topic, "key-" + i, "x"))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(receipt.partition()).isEqualTo(Integer.toString(KeyHash.laneOf("key-" + i, 5)));
            }
        }
    }

    /** Ids and header names past 255 bytes: {@link RabbitAdapterContractTest}. */
    @Test
    void headersOverTheLimitsShouldFailUpFrontNamingTheLimit() throws Exception {
        String topic = RabbitTestSupport.unique("big-headers");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
        BrokerProducer producer = adapter.producer();
        OutboundRecord base = Records.keyed(topic, "k", "x");
        Map<String, String> bigValues = new HashMap<>(base.headers());
        bigValues.put("big", "y".repeat(RabbitConfig.MAX_HEADER_BYTES));
        OutboundRecord record = new OutboundRecord(topic, base.id(), "k", bigValues, base.payload(), base.timestamp());
        assertThatThrownBy(() -> producer.send(record).toCompletableFuture().get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(PublishException.class)
                .hasMessageContaining(Integer.toString(RabbitConfig.MAX_HEADER_BYTES))
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(producer.send(Records.keyed(topic, "k", "ok")).toCompletableFuture().get(5, TimeUnit.SECONDS)
                .topic()).isEqualTo(topic);
    }

    /**
     * While a queue bound to lane 0 refuses everything, lane 0's publishes are nacked (retriable) and
     * their channel is replaced; once it takes messages again, the next publishes of the same key are
     * confirmed (on the new channel).
     */
    @Test
    void afterANackTheNextPublishesOfTheKeyShouldBeConfirmed() throws Exception {
        String topic = RabbitTestSupport.unique("nacked");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
        BrokerProducer producer = adapter.producer();
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            String full = raw.channel().queueDeclare("", false, true, true,
                    Map.of("x-max-length", 0, "x-overflow", "reject-publish")).getQueue();
            raw.channel().queueBind(full, topic, "0");
            List<CompletableFuture<PublishReceipt>> refused = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                refused.add(producer.send(Records.keyed(topic, "k", "refused-" + i)).toCompletableFuture());
            }
            for (CompletableFuture<PublishReceipt> f : refused) {
                assertThat(f).failsWithin(Duration.ofSeconds(10))
                        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                        .withCauseInstanceOf(KeelException.class)
                        .satisfies(e -> assertThat(((KeelException) e.getCause()).isRetriable()).isTrue());
            }
            raw.channel().queueUnbind(full, topic, "0");
        }
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(producer.send(Records.keyed(topic, "k", "m" + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(sent).allSatisfy(f -> assertThat(f).isCompleted());
    }

    @Test
    void closeShouldSettleEveryPendingPublish() {
        String topic = RabbitTestSupport.unique("closing");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sent.add(producer.send(Records.keyed(topic, "k" + i, "m" + i)).toCompletableFuture());
        }
        producer.close();
        assertThat(sent).allSatisfy(f -> assertThat(f).isDone());
        assertThat(producer.send(Records.keyed(topic, "k", "late")).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(dev.keel.ClosedException.class);
        assertThat(sent.stream().filter(f -> !f.isCompletedExceptionally()).count()).isEqualTo(500);
    }
}
