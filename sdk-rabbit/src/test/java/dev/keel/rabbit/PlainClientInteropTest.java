package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keel and a plain amqp-client application on the same topology. */
@UsesBrokers(BrokerKind.RABBIT)
class PlainClientInteropTest {

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
    void plainPublisherMessagesShouldReachKeelWithTheirMessageIdAsId() throws Exception {
        String topic = RabbitTestSupport.unique("interop-in");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            raw.channel().confirmSelect();
            AMQP.BasicProperties withId = new AMQP.BasicProperties.Builder().messageId("plain-1")
                    .headers(Map.of("app", "legacy")).deliveryMode(2).build();
            raw.channel().basicPublish(topic, "0", true, withId, "one".getBytes(StandardCharsets.UTF_8));
            raw.channel().basicPublish(topic, "1", true, new AMQP.BasicProperties(), "two".getBytes(StandardCharsets.UTF_8));
            raw.channel().waitForConfirmsOrDie(10_000);
        }
        RecordingSink sink = new RecordingSink(true);
        adapter.consumer(new ConsumerSettings(topic, "g", 64, Duration.ofSeconds(5))).start(sink);
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.size() == 2);
        InboundRecord one = sink.records().stream().filter(r -> Records.text(r).equals("one")).findFirst().orElseThrow();
        InboundRecord two = sink.records().stream().filter(r -> Records.text(r).equals("two")).findFirst().orElseThrow();
        assertThat(one.id()).isEqualTo("plain-1");
        assertThat(one.headers()).containsEntry("app", "legacy");
        assertThat(one.key()).isNull();
        assertThat(one.deliveryCount()).isEqualTo(1);
        assertThat(two.id()).startsWith("amqp:" + topic + ".g.1:");
        assertThat(two.headers()).isEmpty();
    }

    @Test
    void plainConsumerShouldReadWhatKeelPublished() throws Exception {
        String topic = RabbitTestSupport.unique("interop-out");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("legacy").build());
        adapter.producer().send(Records.record(topic, "order-7:paid", "order-7", "paid")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            List<Delivery> got = raw.consume(topic + ".legacy.0", 1, Duration.ofSeconds(30));
            assertThat(got).hasSize(1);
            AMQP.BasicProperties props = got.get(0).getProperties();
            assertThat(props.getMessageId()).isEqualTo("order-7:paid");
            assertThat(props.getDeliveryMode()).isEqualTo(2);
            assertThat(props.getHeaders().get(KeelHeaders.KEY)).hasToString("order-7");
            assertThat(props.getHeaders().get(KeelHeaders.ID)).hasToString("order-7:paid");
            assertThat(new String(got.get(0).getBody(), StandardCharsets.UTF_8)).isEqualTo("paid");
        }
    }
}
