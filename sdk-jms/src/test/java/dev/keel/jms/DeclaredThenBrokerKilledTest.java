package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.TopologyAdmin;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker killed ({@code kill -9}) the moment a topic's declaration returned, before any message reached its
 * queues: after the restart the topic still has its partitions and every group's queue, and a publish reaches each
 * group. (ActiveMQ Classic kept an empty queue only in its store's index, written at the next checkpoint, and forgot
 * the topic: the first publish after the restart failed as unroutable.)
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class DeclaredThenBrokerKilledTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aTopicDeclaredJustBeforeTheBrokerIsKilledShouldKeepItsGroupsAndReachEach(JmsLine line) {
        line.assumeFaultInjection();
        BrokerAdapter adapter = line.adapter();
        closeables.add(adapter);
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        closeables.add(keel);
        String topic = UniqueNames.of("jms-declared");

        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).group("a").group("b").build());
        line.endpoint().kill();
        line.endpoint().restart();

        await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof KeelException k && k.isRetriable())
                .until(() -> {
                    keel.publisher(topic, Codec.utf8()).message("after").id("after-restart").key("k").publish();
                    return true;
                });
        assertThat(((TopologyAdmin) adapter).describeTopology(topic)).as("the topic after the restart")
                .hasValueSatisfying(spec -> {
                    assertThat(spec.partitions()).isEqualTo(3);
                    assertThat(spec.groups()).containsExactlyInAnyOrder("a", "b");
                });
        Set<String> handled = ConcurrentHashMap.newKeySet();
        for (String group : List.of("a", "b")) {
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.add(group + ":" + d.id()));
            closeables.add(subscription);
        }
        await().atMost(WAIT).until(() -> handled.containsAll(List.of("a:after-restart", "b:after-restart")));
    }
}
