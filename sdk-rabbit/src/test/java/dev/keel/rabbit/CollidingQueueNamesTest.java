package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.PublishException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * Topic {@code X.b} with group {@code g} and topic {@code X} with group {@code b.g} make the same queue names
 * ({@code X.b.g.<i>}, {@code X.b.g.dlq}, ...), on a real broker, from two adapters (two processes as far as RabbitMQ
 * can tell). Before, the second subscription bound those queues to its own exchange too, and both consumed them: a
 * message of one topic was run by the other subscription's handler and never by its own. Now the second one is
 * refused at subscribe time, naming both topics and groups, and the first keeps every message of its own topic.
 */
@UsesBrokers(BrokerKind.RABBIT)
class CollidingQueueNamesTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int EACH = 20;

    @Test
    void aSubscriptionWhoseQueueNamesAnotherTopicsGroupHasShouldBeRefusedAndNoMessageRunByTheWrongHandler()
            throws Exception {
        String base = RabbitTestSupport.unique("collide");
        String dottedTopic = base + ".b";   // with group "g": queues base.b.g.<i>
        String dottedGroup = "b.g";         // on topic base: queues base.b.g.<i> as well
        try (RabbitAdapter first = new RabbitAdapter(RabbitTestSupport.config().build());
             RabbitAdapter second = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keelFirst = Keel.builder(first).withoutIdempotencyStore().build();
             Keel keelSecond = Keel.builder(second).withoutIdempotencyStore().build()) {
            keelFirst.ensureTopology(TopicSpec.builder(dottedTopic).partitions(2).build());
            keelSecond.ensureTopology(TopicSpec.builder(base).partitions(2).build());
            Queue<String> handledByFirst = new ConcurrentLinkedQueue<>();
            Queue<String> handledBySecond = new ConcurrentLinkedQueue<>();
            Subscription own = keelFirst.subscribe(subscription(dottedTopic, "g"), d -> handledByFirst.add(d.payload()));
            Throwable refused = catchThrowable(() -> keelSecond.subscribe(subscription(base, dottedGroup),
                    d -> handledBySecond.add(d.payload())));

            List<String> published = new ArrayList<>();
            List<String> failedLoudly = new ArrayList<>();
            for (int i = 0; i < EACH; i++) {
                publish(keelFirst, dottedTopic, "first-" + i, published, failedLoudly);
                publish(keelSecond, base, "second-" + i, published, failedLoudly);
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(handled(handledByFirst, handledBySecond))
                    .as("every published message handled by some subscription").containsAll(published));

            assertThat(handledByFirst).as("handled by the subscription to '" + dottedTopic + "'")
                    .allMatch(payload -> payload.startsWith("first-")).hasSize(EACH);
            assertThat(handledBySecond).as("handled by the subscription to '" + base + "'")
                    .allMatch(payload -> payload.startsWith("second-"));
            assertThat(failedLoudly).as("publishes that failed").allMatch(payload -> payload.startsWith("second-"));
            assertThat(refused).as("the second subscribe").isInstanceOf(TopologyException.class)
                    .hasMessageContaining("'" + dottedTopic + "'").hasMessageContaining("'g'")
                    .hasMessageContaining("'" + base + "'").hasMessageContaining("'" + dottedGroup + "'")
                    .hasMessageContaining(base + ".b.g.").hasMessageContaining("rename");
            assertThat(((TopologyException) refused).isRetriable()).isFalse();
            assertThat(keelSecond.subscriptions()).as("subscriptions of the refused side").isEmpty();
            assertThat(own.state()).isEqualTo(Subscription.State.RUNNING);

            // the same topic and group again, from the other adapter: its own names, accepted
            Queue<String> again = new ConcurrentLinkedQueue<>();
            Subscription member = keelSecond.subscribe(subscription(dottedTopic, "g"), d -> again.add(d.payload()));
            assertThat(member.state()).isEqualTo(Subscription.State.RUNNING);
            member.close();
            own.close();
            first.deleteTopology(dottedTopic);
            first.deleteTopology(base);
        }
    }

    @Test
    void deletingTheTopicShouldRemoveItsClaimOnTheNamesSoTheOtherTopicsGroupCanUseThem() throws Exception {
        String base = RabbitTestSupport.unique("collide-deleted");
        String dottedTopic = base + ".b";
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            keel.ensureTopology(TopicSpec.builder(dottedTopic).partitions(2).group("g").build());
            keel.ensureTopology(TopicSpec.builder(base).partitions(2).build());
            assertThat(exchangeExists(raw, base + ".b.g.keel-owner")).as("the claim on the names").isTrue();
            assertThat(catchThrowable(() -> keel.subscribe(subscription(base, "b.g"), d -> { })))
                    .isInstanceOf(TopologyException.class);

            adapter.deleteTopology(dottedTopic);

            assertThat(exchangeExists(raw, base + ".b.g.keel-owner")).as("the claim after deleteTopology").isFalse();
            Queue<String> got = new ConcurrentLinkedQueue<>();
            Subscription now = keel.subscribe(subscription(base, "b.g"), d -> got.add(d.payload()));
            keel.publisher(base, Codec.utf8()).message("after-delete").key("k").publish();
            await().atMost(WAIT).until(() -> got.contains("after-delete"));
            now.close();
            adapter.deleteTopology(base);
            assertThat(exchangeExists(raw, base + ".b.g.keel-owner")).as("the claim of the other group").isFalse();
        }
    }

    @Test
    void aGroupDeclaredByAnEarlierReleaseShouldStillSubscribeAndClaimItsNames() throws Exception {
        String base = RabbitTestSupport.unique("collide-released");
        String topic = base + ".x";
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            ReleasedTopology.declare(raw.channel(), topic, "g", 2);
            assertThat(exchangeExists(raw, topic + ".g.keel-owner")).isFalse();

            Queue<String> got = new ConcurrentLinkedQueue<>();
            Subscription subscription = keel.subscribe(subscription(topic, "g"), d -> got.add(d.payload()));
            keel.publisher(topic, Codec.utf8()).message("on-released").key("k").publish();

            await().atMost(WAIT).until(() -> got.contains("on-released"));
            assertThat(exchangeExists(raw, topic + ".g.keel-owner")).as("claimed on first use").isTrue();
            keel.ensureTopology(TopicSpec.builder(base).partitions(2).build());
            assertThat(catchThrowable(() -> keel.subscribe(subscription(base, "x.g"), d -> { })))
                    .as("a group of another topic whose queues would have this group's names")
                    .isInstanceOf(TopologyException.class);
            subscription.close();
            adapter.deleteTopology(topic);
            adapter.deleteTopology(base);
        }
    }

    private static SubscriptionConfig<String> subscription(String topic, String group) {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    private static void publish(Keel keel, String topic, String payload, List<String> published,
                                List<String> failedLoudly) {
        try {
            keel.publisher(topic, Codec.utf8()).message(payload).key(payload).publish();
            published.add(payload);
        } catch (PublishException unroutable) {
            failedLoudly.add(payload);
        }
    }

    private static List<String> handled(Queue<String> first, Queue<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static boolean exchangeExists(RawAmqp raw, String exchange) throws Exception {
        try (com.rabbitmq.client.Channel channel = raw.connection().createChannel()) {
            channel.exchangeDeclarePassive(exchange);
            return true;
        } catch (IOException missing) {
            return false;
        }
    }
}
