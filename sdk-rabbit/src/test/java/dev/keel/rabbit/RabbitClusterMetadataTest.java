package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.keel.BrokerUnavailableException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.spi.support.KeyHash;
import dev.keel.testbrokers.RabbitCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Keel's own metadata of a topic (its partition count, its record, its groups' member registration)
 * while the node that declared the topic is down, on the three-node {@link RabbitCluster}: classic
 * queues live on one node (the one the declaring connection was on), so before this release that
 * node's loss took them away. Tagged {@code cluster}: runs with {@code -Pcluster}.
 */
@Tag("cluster")
class RabbitClusterMetadataTest {

    private static final int PARTITIONS = 3;
    private static final int KEYS = 12;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static RabbitCluster cluster;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RabbitCluster.local();
    }

    @AfterEach
    void closeAndHeal() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        resources.clear();
        cluster.heal();
    }

    @Test
    void aTopicShouldKeepItsPartitionCountAndItsGroupWhileTheNodeThatDeclaredItIsDown() throws Exception {
        String topic = RabbitTestSupport.unique("meta-down");
        String declaring = cluster.nodeNames().get(0);
        try (RabbitAdapter declarer = adapterOn(List.of(declaring), "keel-meta-declarer")) {
            declarer.ensureTopology(TopicSpec.builder(topic).partitions(PARTITIONS).group("g").build());
        }
        cluster.stopApp(declaring);

        assertRoutedByPartitionCountAndShared(topic);
    }

    @Test
    void aTopicDeclaredByTheReleasedVersionShouldFailLookupsRetriablyWhileItsMetadataNodeIsDown() throws Exception {
        String topic = RabbitTestSupport.unique("meta-released");
        String declaring = cluster.nodeNames().get(0);
        declareAsReleased(declaring, topic);
        cluster.stopApp(declaring);

        RabbitAdapter fresh = adapterOn(live(declaring), "keel-meta-fresh");
        List<Throwable> outcomes = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            try {
                fresh.producer().send(Records.keyed(topic, "k" + k, "x")).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                outcomes.add(null);
            } catch (java.util.concurrent.ExecutionException e) {
                outcomes.add(e.getCause());
            }
        }
        assertThat(outcomes).as("the publishes of %d keys while the node holding the topic's metadata is down:"
                + " each must fail retriably, none may be routed by a partition count the topic does not have",
                KEYS).allSatisfy(e -> assertThat(e).isInstanceOf(BrokerUnavailableException.class)
                .hasMessageContaining("down"));
        assertThatThrownBy(() -> fresh.describeTopology(topic)).isInstanceOf(BrokerUnavailableException.class)
                .matches(e -> ((KeelException) e).isRetriable(), "retriable");
    }

    @Test
    void aTopicDeclaredByTheReleasedVersionShouldSurviveItsMetadataNodeOnceThisVersionDeclaredIt() throws Exception {
        String topic = RabbitTestSupport.unique("meta-migrated");
        String declaring = cluster.nodeNames().get(0);
        declareAsReleased(declaring, topic);
        try (RabbitAdapter upgraded = adapterOn(live(declaring), "keel-meta-upgraded")) {
            upgraded.ensureTopology(TopicSpec.builder(topic).partitions(PARTITIONS).group("g").build());
        }
        cluster.stopApp(declaring);

        assertRoutedByPartitionCountAndShared(topic);
    }

    /**
     * Two new members of group {@code g} on the live nodes: every keyed publish is confirmed and handled
     * from partition {@code KeyHash.laneOf(key, PARTITIONS)}, and the members share the partitions (each
     * handles some), which needs their member registration.
     */
    private void assertRoutedByPartitionCountAndShared(String topic) throws Exception {
        String down = cluster.nodeNames().get(0);
        Map<String, String> partitionOf = new ConcurrentHashMap<>();
        Map<String, Integer> handledBy = new ConcurrentHashMap<>();
        List<Keel> members = new ArrayList<>();
        for (String member : List.of("m1", "m2")) {
            Keel keel = keel(adapterOn(live(down), "keel-meta-" + member));
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.PER_KEY).build(), d -> {
                        partitionOf.put(d.key(), d.partition());
                        handledBy.merge(member, 1, Integer::sum);
                    });
            members.add(keel);
        }
        Keel publisher = keel(adapterOn(live(down), "keel-meta-publisher"));
        await("both members handle messages: they share the partitions").atMost(PATIENCE).untilAsserted(() -> {
            publishKeys(publisher, topic);
            assertThat(handledBy.keySet()).containsExactlyInAnyOrder("m1", "m2");
        });
        await().atMost(PATIENCE).until(() -> partitionOf.size() == KEYS);
        partitionOf.forEach((key, partition) -> assertThat(partition).as("partition of key " + key)
                .isEqualTo(topic + ".g." + KeyHash.laneOf(key, PARTITIONS)));
    }

    private static void publishKeys(Keel keel, String topic) throws Exception {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            sent.add(keel.publisher().publishAsync(topic, Message.builder("x", Codec.utf8()).key("k" + k).build())
                    .toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("a publish failed: " + (e.getCause() instanceof CompletionException c
                    ? c.getCause() : e.getCause()), e);
        }
    }

    /** The topic and group "g" as the released version declared them, from a connection to {@code node}. */
    private static void declareAsReleased(String node, String topic) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        String[] hostPort = cluster.addressOf(node).split(":");
        factory.setHost(hostPort[0]);
        factory.setPort(Integer.parseInt(hostPort[1]));
        try (Connection connection = factory.newConnection("keel-released-declarer");
             Channel channel = connection.createChannel()) {
            ReleasedTopology.declare(channel, topic, "g", PARTITIONS);
        }
    }

    private static List<String> live(String down) {
        return cluster.nodeNames().stream().filter(n -> !n.equals(down)).toList();
    }

    private RabbitAdapter adapterOn(List<String> nodes, String connectionName) {
        RabbitAdapter adapter = new RabbitAdapter(RabbitConfig.custom()
                .uri("amqp://guest:guest@" + cluster.addressOf(nodes.get(0)) + "/%2F")
                .addresses(nodes.stream().map(cluster::addressOf).toList()).connectionName(connectionName)
                .recoveryInterval(Duration.ofMillis(500)).rebalanceInterval(Duration.ofMillis(500)).build());
        resources.add(adapter);
        return adapter;
    }

    private Keel keel(RabbitAdapter adapter) {
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        resources.add(keel);
        return keel;
    }
}
