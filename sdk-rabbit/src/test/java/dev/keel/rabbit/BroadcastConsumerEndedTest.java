package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A broadcast instance's consumer ended by the broker while the connection stays (its queue deleted by an operator;
 * a channel closed for an error, as a delivery held past {@code consumer_timeout}) is not brought back by the
 * client's recovery, which covers lost connections only. Before, the instance received nothing more and its
 * subscription read as running (found by a read-only review). Its queue is now declared again and consumed.
 */
@UsesBrokers(BrokerKind.RABBIT)
class BroadcastConsumerEndedTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
    private final Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();

    @AfterEach
    void close() {
        keel.close();
        adapter.close();
    }

    @Test
    void aBroadcastInstanceWhoseQueueWasDeletedShouldConsumeAgain() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "a queue is deleted by an operator on the harness's private node");
        String topic = RabbitTestSupport.unique("broadcast-ended");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .ordering(Ordering.UNORDERED).broadcast(true).build(), d -> handled.add(d.id()));
        keel.publisher().publish(topic, Message.builder(new byte[8]).id("before").key("k").build());
        await().atMost(WAIT).until(() -> handled.contains("before"));

        String queue = topic + ".g.broadcast." + keel.instanceId();
        rabbit.rabbitmqctl("delete_queue", "-p", rabbit.virtualHost(), queue);

        // published until it reaches the instance: right after the deletion nothing is bound to take it
        await("a message published after the deletion reaches the instance").atMost(WAIT).until(() -> {
            try {
                keel.publisher().publish(topic, Message.builder(new byte[8]).id("after").key("k").build());
            } catch (RuntimeException unroutable) {
                return false;
            }
            return handled.contains("after");
        });
        assertThat(subscription.state()).as("the subscription after its queue came back")
                .isEqualTo(Subscription.State.RUNNING);
    }
}
