package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Dead letters read as a group that has no queues on the dead-letter topic (a mistyped group name): the group can
 * have no letter there, so the read finds none at once and declares nothing. Declaring that group's queues would
 * keep a copy of every later dead letter that nobody consumes.
 */
@UsesBrokers(BrokerKind.RABBIT)
class DeadLettersOfAnotherGroupTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void readingADeadLetterTopicThatListsNoGroupShouldFindNoneAndDeclareNothing() throws Exception {
        String topic = RabbitTestSupport.unique("dlt-no-group");
        String deadLetterTopic = topic + ".DLT";
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            keel.ensureTopology(TopicSpec.builder(deadLetterTopic).partitions(2).build()); // declared without groups

            List<DeadLetter> letters = keel.deadLetters(topic, "g-typo").list(DeadLetterFilter.all());

            assertThat(letters).isEmpty();
            try (RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
                assertNotDeclared(raw, deadLetterTopic + ".g-typo.0");
            }
            adapter.deleteTopology(deadLetterTopic);
            adapter.deleteTopology(topic);
        }
    }

    @Test
    void readingAsAGroupWithoutQueuesOnTheDeadLetterTopicShouldFindNoneAndDeclareNothing() throws Exception {
        String topic = RabbitTestSupport.unique("dlt-typo");
        String deadLetterTopic = topic + ".DLT";
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).retryPolicy(RetryPolicy.custom().maxAttempts(1)
                            .build()).build(), d -> {
                        throw new IllegalStateException("refused for the test");
                    });
            keel.publisher().publish(topic, Message.builder("poison", Codec.utf8()).key("k").build());
            List<DeadLetter> ofGroup = await().atMost(WAIT).until(
                    () -> keel.deadLetters(topic, "g").withQuietPeriod(Duration.ofMillis(500))
                            .list(DeadLetterFilter.all()), letters -> letters.size() == 1);
            assertThat(ofGroup).hasSize(1);

            List<DeadLetter> ofTypo = keel.deadLetters(topic, "g-typo").list(DeadLetterFilter.all());

            assertThat(ofTypo).isEmpty();
            try (RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
                for (int partition = 0; partition < 2; partition++) {
                    assertNotDeclared(raw, deadLetterTopic + ".g-typo." + partition);
                }
                assertThat(raw.ready(deadLetterTopic + ".g.0") + raw.ready(deadLetterTopic + ".g.1"))
                        .as("the group's letter is still kept for it").isEqualTo(1);
            }
            adapter.deleteTopology(deadLetterTopic);
            adapter.deleteTopology(topic);
        }
    }

    private static void assertNotDeclared(RawAmqp raw, String queue) throws IOException {
        Channel channel = raw.connection().createChannel();
        assertThatThrownBy(() -> channel.queueDeclarePassive(queue)).as("queue %s declared by the read", queue)
                .isInstanceOf(IOException.class);
    }
}
