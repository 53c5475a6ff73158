package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Once RabbitMQ refused a message over the node's {@code max_message_size}, a further message over it fails at once,
 * without being sent: RabbitMQ answers each one by closing the shared publishing channel, failing every publish
 * pending on it, so a stream of oversize messages (a loop, a relay, their retries) kept failing the publishes of
 * every topic beside them (review of 2026-12-01, with {@code RabbitConfig.maxMessageSize} above the node's limit).
 * Each publish has one attempt here, so a publish the channel's close failed shows.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RepeatedOversizeTest {

    private static final int NODE_LIMIT = 1024 * 1024;

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
                small.add(small(publisher, topic, i));
            }
            CompletableFuture<PublishReceipt> again = big(publisher, topic, "big-2");
            for (int i = 5; i < 10; i++) {
                small.add(small(publisher, topic, i));
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

    private static CompletableFuture<PublishReceipt> small(Publisher publisher, String topic, int i) {
        return publisher.publishAsync(topic, Message.builder(("s" + i).getBytes(StandardCharsets.UTF_8))
                .id("small-" + i).key("K").build()).toCompletableFuture();
    }
}
