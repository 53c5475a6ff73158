package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code deleteTopology} of a topic with delayed messages waiting: its delay queues go with it, so
 * nothing Keel created is left and no old delayed message reaches a new topic of the same name.
 */
@UsesBrokers(BrokerKind.RABBIT)
class DeleteDelayedTopicTest {

    @Test
    void delayedMessagesPendingAtDeleteShouldNeverReachATopicDeclaredAgainUnderTheSameName() {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        String topic = RabbitTestSupport.unique("dly-del");
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
            Publisher publisher = keel.publisher();
            for (int i = 0; i < 8; i++) {
                publisher.publish(topic, message("old-" + i, "k" + i).delay(Duration.ofSeconds(3 + i % 2)).build());
            }
            assertThat(queuesOf(rabbit, topic)).as("delay queues in use").anyMatch(q -> q.contains(".keel-delay."));

            adapter.deleteTopology(topic);
            assertThat(queuesOf(rabbit, topic)).as("queues left after deleteTopology").isEmpty();
            assertThat(exchangesOf(rabbit, topic)).as("exchanges left after deleteTopology").isEmpty();

            keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
            List<String> received = new CopyOnWriteArrayList<>();
            try (Subscription ignored = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> received.add(d.id()))) {
                publisher.publish(topic, message("new-1", "x").build());
                // the same process publishes delayed again to the new topic: its delay queues are declared again
                publisher.publish(topic, message("new-delayed", "k0").delay(Duration.ofSeconds(1)).build());
                await().atMost(Duration.ofSeconds(60)).until(() -> received.containsAll(List.of("new-1", "new-delayed")));
                // the old messages would have been due 3-4 s after their publish: give them twice that
                await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(30))
                        .until(() -> received.stream().noneMatch(id -> id.startsWith("old-")));
            }
            adapter.deleteTopology(topic);
            // the dead-letter topic the subscription ensured is a topic of its own, kept with its dead letters
            assertThat(adapter.describeTopology(topic + ".DLT")).as("the dead-letter topic").isPresent();
            adapter.deleteTopology(topic + ".DLT");
            assertThat(queuesOf(rabbit, topic)).as("queues left after deleting the topic and its dead-letter topic")
                    .isEmpty();
            assertThat(exchangesOf(rabbit, topic)).as("exchanges left").isEmpty();
        }
    }

    private static Message.Builder message(String id, String key) {
        return Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key(key);
    }

    /** The queues of the test's vhost whose name starts with the topic's, as the node lists them. */
    static List<String> queuesOf(RabbitEndpoint rabbit, String topic) {
        return named(rabbit.rabbitmqctl("list_queues", "-q", "--no-table-headers", "-p", rabbit.virtualHost(), "name"),
                topic);
    }

    static List<String> exchangesOf(RabbitEndpoint rabbit, String topic) {
        return named(rabbit.rabbitmqctl("list_exchanges", "-q", "--no-table-headers", "-p", rabbit.virtualHost(),
                "name"), topic);
    }

    private static List<String> named(String listing, String topic) {
        List<String> names = new ArrayList<>();
        for (String line : listing.split("\n")) {
            String name = line.trim();
            if (name.equals(topic) || name.startsWith(topic + ".")) {
                names.add(name);
            }
        }
        return names;
    }
}
