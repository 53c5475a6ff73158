package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.core.Keel;
import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member that lost its connection connects again and declares its group's queue again: when that queue's name was
 * taken meanwhile by another topic's group ({@code T} with group {@code eu.billing} and {@code T.eu} with group
 * {@code billing} name the same queue), the subscription fails with the {@link TopologyException} that names the
 * clash, as a subscribe would. Before, the member tried again every few seconds for ever, logging it at DEBUG only.
 */
@UsesBrokers(BrokerKind.ARTEMIS)
class ArtemisReconnectCollisionTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private FaultProxy proxy;

    @AfterEach
    void heal() {
        if (proxy != null) {
            proxy.heal();
        }
    }

    @Test
    void aMemberWhoseGroupQueueNameWasTakenWhileItWasCutOffShouldFailWithTheClash() throws Exception {
        JmsLine.ARTEMIS.assumeFaultInjection();
        proxy = Brokers.artemis().proxy();
        String topic = UniqueNames.of("reclash");
        String other = topic + ".eu";
        String proxied = JmsLine.ARTEMIS.fastFailingProxiedUrl();
        try (ArtemisAdapter direct = new ArtemisAdapter(ArtemisTestSupport.config().build());
             Keel keel = Keel.builder(direct).withoutIdempotencyStore().build();
             ArtemisAdapter cutOff = new ArtemisAdapter(ArtemisTestSupport.config(proxied).build());
             Keel member = Keel.builder(cutOff).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("eu.billing").build());
            keel.ensureTopology(TopicSpec.builder(other).partitions(2).build());
            Subscription subscription = member.subscribe(SubscriptionConfig.builder(topic, "eu.billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { });

            proxy.refuse(true);
            proxy.cut();
            await("the member notices the cut").atMost(PATIENCE)
                    .until(() -> subscription.state() != Subscription.State.RUNNING);
            String queue = topic + ".eu.billing";
            await("the broker lets the cut member's consumer go").atMost(PATIENCE).until(() -> deleted(queue));
            keel.ensureTopology(TopicSpec.builder(other).partitions(2).group("billing").build());
            proxy.refuse(false);

            await("the member fails with the clash").atMost(PATIENCE)
                    .until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(TopologyException.class).extracting(Throwable::getMessage)
                    .asString().contains("exists on topic '" + other + "'");
        }
    }

    /** Deletes {@code queue} once it has no consumer; whether it did. */
    private static boolean deleted(String queue) throws Exception {
        try (ServerLocator locator = ActiveMQClient.createServerLocator(Brokers.artemis().url());
             ClientSessionFactory factory = locator.createSessionFactory();
             ClientSession session = factory.createSession()) {
            ClientSession.QueueQuery query = session.queueQuery(SimpleString.of(queue));
            if (query.isExists() && query.getConsumerCount() > 0) {
                return false;
            }
            if (query.isExists()) {
                session.deleteQueue(SimpleString.of(queue));
            }
            return true;
        }
    }
}
