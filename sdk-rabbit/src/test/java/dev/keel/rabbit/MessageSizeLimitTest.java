package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Delivery;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerProducer;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A message larger than RabbitMQ takes ({@code max_message_size}, 128 MiB by default in 3.10): a typed
 * refusal for good, never an outage to retry, and the publishes beside it are not lost.
 */
@UsesBrokers(BrokerKind.RABBIT)
class MessageSizeLimitTest {

    private static final int NODE_LIMIT = 1024 * 1024;

    @Test
    void aMessageOverTheNodesMaxMessageSizeShouldBeRefusedForGoodAndTheSmallOnesAroundItConfirmed() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        String topic = RabbitTestSupport.unique("oversize");
        // channels read max_message_size when they open: set before the adapter connects
        try (RabbitNodeSetting limit = RabbitNodeSetting.set(rabbit, "max_message_size", Integer.toString(NODE_LIMIT));
             RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            Publisher publisher = keel.publisher();
            List<CompletableFuture<PublishReceipt>> small = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                small.add(publishSmall(publisher, topic, i));
            }
            CompletableFuture<PublishReceipt> big = publisher.publishAsync(topic,
                    Message.builder(new byte[2 * NODE_LIMIT]).id("big").key("K").build()).toCompletableFuture();
            for (int i = 5; i < 10; i++) {
                small.add(publishSmall(publisher, topic, i));
            }

            assertThatThrownBy(() -> big.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(PublishException.class)
                    .hasMessageContaining("max_message_size")
                    .hasMessageContaining(Integer.toString(NODE_LIMIT))
                    .satisfies(e -> assertThat(((KeelException) e).isRetriable()).as("retriable").isFalse());
            CompletableFuture.allOf(small.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            try (RawAmqp raw = new RawAmqp(adapter.config())) {
                int partition = dev.keel.spi.support.KeyHash.laneOf("K", 2);
                // every publish is settled: what is stored is in the queue now. A small publish the refusal caught
                // unconfirmed on the closed channel is sent again on a new one, so it may be stored twice (at least
                // once, as any retried publish: consumers skip the copy by its id); none is lost, the big one absent
                List<Delivery> stored = raw.consume(topic + ".g." + partition, 30, Duration.ofSeconds(5));
                assertThat(stored).extracting(d -> d.getProperties().getMessageId()).as("stored messages of key K")
                        .containsOnly("small-0", "small-1", "small-2", "small-3", "small-4", "small-5",
                                "small-6", "small-7", "small-8", "small-9");
            }
            adapter.deleteTopology(topic);
        }
    }

    @Test
    void aMessageOverTheConfiguredMaxMessageSizeShouldBeRefusedBeforeAnythingIsSent() throws Exception {
        String topic = RabbitTestSupport.unique("oversize-cfg");
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().maxMessageSize(4096).build())) {
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            BrokerProducer producer = adapter.producer();
            CompletableFuture<PublishReceipt> small = producer.send(Records.record(topic, "small", "K", "s"))
                    .toCompletableFuture();
            CompletableFuture<PublishReceipt> big = producer.send(Records.record(topic, "big", "K", "x".repeat(4097)))
                    .toCompletableFuture();

            assertThat(big).as("refused without waiting for the broker").isCompletedExceptionally();
            assertThatThrownBy(big::get).cause().isInstanceOf(PublishException.class)
                    .hasMessageContaining("4097").hasMessageContaining("maxMessageSize")
                    .satisfies(e -> assertThat(((KeelException) e).isRetriable()).as("retriable").isFalse());
            assertThat(small.get(30, TimeUnit.SECONDS).topic()).isEqualTo(topic);
            assertThat(producer.send(Records.record(topic, "exact", "K", "x".repeat(4096))).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).topic()).as("a message of exactly the limit").isEqualTo(topic);
            adapter.deleteTopology(topic);
        }
    }

    /**
     * Once RabbitMQ refused a message over the node's {@code max_message_size}, a further message over it fails at
     * once, without being sent: RabbitMQ answers each one by closing the shared publishing channel, failing every
     * publish pending on it, so a stream of oversize messages (a loop, a relay, their retries) kept failing the
     * publishes of every topic beside them (review of 2026-12-01, with {@code RabbitConfig.maxMessageSize} above the
     * node's limit). Each publish has one attempt here, so a publish the channel's close failed shows.
     */
    @Test
    void aSecondMessageOverTheNodesLimitShouldFailAtOnceWithoutClosingTheChannelUnderTheOthers() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        String topic = RabbitTestSupport.unique("oversize-again");
        // channels read max_message_size when they open: set before the adapter connects
        try (RabbitNodeSetting limit = RabbitNodeSetting.set(rabbit, "max_message_size", Integer.toString(NODE_LIMIT));
             RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                     .publisherConfig(PublisherConfig.custom().maxAttempts(1).build()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            Publisher publisher = keel.publisher();
            assertThatThrownBy(() -> big(publisher, topic, "big-1").get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(PublishException.class).hasMessageContaining("max_message_size");

            List<CompletableFuture<PublishReceipt>> small = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                small.add(publishSmall(publisher, topic, i));
            }
            CompletableFuture<PublishReceipt> again = big(publisher, topic, "big-2");
            for (int i = 5; i < 10; i++) {
                small.add(publishSmall(publisher, topic, i));
            }

            assertThatThrownBy(() -> again.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(PublishException.class).hasMessageContaining("was not sent")
                    .hasMessageContaining(Integer.toString(NODE_LIMIT))
                    .satisfies(e -> assertThat(((KeelException) e).isRetriable()).as("retriable").isFalse());
            for (CompletableFuture<PublishReceipt> s : small) {
                assertThat(s.get(60, TimeUnit.SECONDS).topic()).as("a small publish beside it, one attempt")
                        .isEqualTo(topic);
            }
            adapter.deleteTopology(topic);
        }
    }

    private static CompletableFuture<PublishReceipt> big(Publisher publisher, String topic, String id) {
        return publisher.publishAsync(topic, Message.builder(new byte[2 * NODE_LIMIT]).id(id).key("K").build())
                .toCompletableFuture();
    }

    private static CompletableFuture<PublishReceipt> publishSmall(Publisher publisher, String topic, int i) {
        return publisher.publishAsync(topic, Message.builder(("s" + i).getBytes(StandardCharsets.UTF_8))
                .id("small-" + i).key("K").build()).toCompletableFuture();
    }
}
