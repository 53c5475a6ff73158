package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.DefaultConsumer;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A group counted larger than it is: a quorum member queue keeps listing the consumers of a member
 * whose connection was on a node that went down, until the node is back. Here a plain consumer on
 * the member queue stands for that ghost: the only member counts two, so its share is half the
 * partitions, and the partitions it hands over come straight back to it.
 */
@UsesBrokers(BrokerKind.RABBIT)
class OvercountedGroupTest {

    private static final int PARTITIONS = 4;
    private static final Duration REBALANCE = Duration.ofMillis(300);

    @Test
    void aMemberCountedTwiceShouldStopHandingOverPartitionsThatComeBackToIt() throws Exception {
        String topic = RabbitTestSupport.unique("overcounted");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicBoolean publishing = new AtomicBoolean(true);
        try (RevokeLog adapter = new RevokeLog(new RabbitAdapter(RabbitTestSupport.config()
                .rebalanceInterval(REBALANCE).build()));
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             RawAmqp ghost = new RawAmqp(RabbitTestSupport.config().build())) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(PARTITIONS).group("g").build());
            ghost.channel().basicConsume(topic + ".g.keel-members", false, new DefaultConsumer(ghost.channel()));
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.add(d.id()));
            Thread publisher = new Thread(() -> {
                for (int i = 0; publishing.get(); i++) {
                    keel.publisher().publish(topic, Message.builder("x", Codec.utf8()).id("m" + i).key("k" + (i % 16))
                            .build());
                }
            }, "overcounted-publisher");
            publisher.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() >= 100);
                // twenty balancing rounds: without the guard each hands half the partitions over again
                await("hand-overs (revokes) stay few while the member counts a ghost")
                        .during(REBALANCE.multipliedBy(20)).atMost(REBALANCE.multipliedBy(30))
                        .untilAsserted(() -> assertThat(adapter.revokes()).as("partitions handed over")
                                .hasSizeLessThanOrEqualTo(2 * PARTITIONS));
            } finally {
                publishing.set(false);
                publisher.join(30_000);
            }
            assertThat(adapter.revokes()).as("revokes: the member handed partitions over and they came back")
                    .hasSizeLessThanOrEqualTo(2 * PARTITIONS);
        }
    }
}
