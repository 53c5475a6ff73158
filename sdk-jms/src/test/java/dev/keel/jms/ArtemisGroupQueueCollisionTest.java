package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * On Artemis a group's queue is named {@code <topic>.<group>}: topic {@code T} with group {@code eu.billing} and topic
 * {@code T.eu} with group {@code billing} name the same queue. The second declaration or subscription is refused with a
 * {@link TopologyException} naming the queue's topic. Before, it succeeded silently and the subscription of
 * {@code T.eu}'s group consumed {@code T}'s messages as its own, taking them from group {@code eu.billing}.
 */
@UsesBrokers(BrokerKind.ARTEMIS)
class ArtemisGroupQueueCollisionTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aGroupWhoseQueueNameIsAnotherTopicsGroupQueueShouldBeRefusedAndTakeNothing() {
        String topic = UniqueNames.of("clash");
        String other = topic + ".eu";
        Set<String> owner = ConcurrentHashMap.newKeySet();
        try (ArtemisAdapter adapter = new ArtemisAdapter(ArtemisTestSupport.config().build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("eu.billing").build());
            keel.ensureTopology(TopicSpec.builder(other).partitions(2).build());

            assertThatThrownBy(() -> keel.ensureTopology(TopicSpec.builder(other).partitions(2).group("billing").build()))
                    .isInstanceOf(TopologyException.class).hasMessageContaining("exists on topic '" + topic + "'");
            assertThatThrownBy(() -> keel.subscribe(SubscriptionConfig.builder(other, "billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { }))
                    .hasStackTraceContaining(TopologyException.class.getName())
                    .hasStackTraceContaining("exists on topic '" + topic + "'");

            for (int i = 0; i < 10; i++) {
                keel.publisher().publish(topic, Message.builder(("m" + i).getBytes()).id("m" + i).build());
            }
            keel.subscribe(SubscriptionConfig.builder(topic, "eu.billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> owner.add(d.id()));
            await("every message reaches its own group").atMost(PATIENCE).until(() -> owner.size() == 10);
        }
    }
}
