package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.support.KeyHash;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A partition queue of a subscribed group deleted on the broker (by hand, by another tool, or by a refused
 * declaration racing the one that recorded the group), on a real broker: the running subscription declares it again
 * and consumes it, and so does a subscribe of the group again in the same process. Before, the lane retried its
 * consume on the missing queue for ever (the subscription RECONNECTING), and every later subscribe of the group in
 * that process failed with a retriable "no queue" error.
 */
@UsesBrokers(BrokerKind.RABBIT)
class DeletedGroupQueueTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aDeletedPartitionQueueShouldBeDeclaredAgainByTheRunningSubscriptionAndByASubscribeAgain() throws Exception {
        String topic = RabbitTestSupport.unique("deleted-queue");
        String onLaneOne = keyOnLane(1);
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            Queue<String> got = new ConcurrentLinkedQueue<>();
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build();
            Subscription running = keel.subscribe(config, d -> got.add(d.payload()));

            raw.channel().queueDelete(topic + ".g.1");

            await().atMost(WAIT).until(() -> consumers(raw, topic + ".g.1") == 1); // declared again, consumed
            keel.publisher(topic, Codec.utf8()).message("after-heal").key(onLaneOne).publish();
            await().atMost(WAIT).until(() -> got.contains("after-heal"));
            running.close();

            raw.channel().queueDelete(topic + ".g.1");
            Subscription again = keel.subscribe(config, d -> got.add(d.payload()));
            keel.publisher(topic, Codec.utf8()).message("after-subscribe-again").key(onLaneOne).publish();
            await().atMost(WAIT).until(() -> got.contains("after-subscribe-again"));
            assertThat(again.state()).isEqualTo(Subscription.State.RUNNING);
            again.close();
            adapter.deleteTopology(topic);
        }
    }

    /** The queue's consumers, -1 while it does not exist. */
    private static int consumers(RawAmqp raw, String queue) throws Exception {
        try (com.rabbitmq.client.Channel channel = raw.connection().createChannel()) {
            return channel.queueDeclarePassive(queue).getConsumerCount();
        } catch (java.io.IOException missing) {
            return -1;
        }
    }

    private static String keyOnLane(int lane) {
        for (int i = 0; ; i++) {
            if (KeyHash.laneOf("key-" + i, 2) == lane) {
                return "key-" + i;
            }
        }
    }
}
