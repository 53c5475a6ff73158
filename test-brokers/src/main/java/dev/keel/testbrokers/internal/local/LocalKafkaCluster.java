package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.AllAtOnce;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * Three Kafka nodes in KRaft combined mode (each a broker and a controller voter) as local JVMs on
 * 127.0.0.1, formatted with one cluster id. Started once per test JVM, on first use; nodes are named
 * by their {@code node.id} (1, 2, 3) and can be killed (-9) and restarted on the same ports and data.
 */
public final class LocalKafkaCluster {
    private static final int NODES = 3;
    private static final int ATTEMPT_MILLIS = 2000;
    private static volatile LocalKafkaCluster instance;

    private final HarnessRuntime runtime;
    private final Map<Integer, KafkaClusterNode> nodes = new LinkedHashMap<>();
    private final Set<Integer> down = ConcurrentHashMap.newKeySet();

    private LocalKafkaCluster(HarnessRuntime runtime, String classpath) {
        this.runtime = runtime;
        for (int id = 1; id <= NODES; id++) {
            nodes.put(id, new KafkaClusterNode(runtime, classpath, id, Ports.freePort(), Ports.freePort()));
        }
    }

    /** The cluster of this test JVM, with its three nodes serving. */
    public static synchronized LocalKafkaCluster get() {
        if (instance == null) {
            HarnessRuntime runtime = HarnessRuntime.get();
            LocalKafkaCluster cluster = new LocalKafkaCluster(runtime,
                    BrokerClasspath.resolve("kafka", BrokerKind.KAFKA, runtime.settings()));
            runtime.atShutdown(cluster::stop);
            cluster.start();
            instance = cluster;
        }
        return instance;
    }

    private void start() {
        String voters = nodes.values().stream().map(n -> n.nodeId() + "@127.0.0.1:" + n.controllerPort())
                .collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        nodes.values().forEach(n -> n.writeConfig(voters));
        nodes.values().parallelStream().forEach(n -> n.format(clusterId, runtime.settings().startTimeout()));
        // a node serves only once a quorum of controllers runs: start them together, each on a thread of its own (a
        // parallel stream runs two at a time on 2 cores, so the third node started only once the first two served,
        // and under load their registration once timed out waiting for a quorum)
        AllAtOnce.each(nodes.values(), KafkaClusterNode::launchAndAwait);
        awaitBrokers(NODES, runtime.settings().startTimeout());
    }

    /** Every node's client address, comma-separated. */
    public String bootstrapServers() {
        return nodes.values().stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    public List<Integer> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    /** The node id of the leader of {@code topic}'s {@code partition}. */
    public int leaderOf(String topic, int partition) {
        return withAdmin(admin -> {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(ATTEMPT_MILLIS * 5L, TimeUnit.MILLISECONDS).get(topic);
            Node leader = description.partitions().get(partition).leader();
            if (leader == null) {
                throw new IllegalStateException(topic + "-" + partition + " has no leader");
            }
            return leader.id();
        });
    }

    /** The node id of the KRaft controller quorum's leader. */
    public int controllerLeader() {
        return withAdmin(admin -> admin.describeMetadataQuorum().quorumInfo()
                .get(ATTEMPT_MILLIS * 5L, TimeUnit.MILLISECONDS).leaderId());
    }

    public void kill(int nodeId) {
        down.add(nodeId);
        node(nodeId).kill();
    }

    public void restart(int nodeId) {
        node(nodeId).restart();
        down.remove(nodeId);
    }

    /**
     * Restarts the nodes killed and not restarted yet, together, each on a thread of its own: a quorum may need two of
     * them, which must not wait for each other in turn.
     */
    public void restartKilled() {
        AllAtOnce.each(List.copyOf(down), this::restart);
    }

    /** Waits until the cluster lists {@code count} live brokers. */
    public void awaitBrokers(int count, Duration timeout) {
        withAdmin(admin -> {
            Poll.until(count + " Kafka brokers", timeout, Poll.never(), () -> {
                Collection<Node> live = admin.describeCluster(new DescribeClusterOptions().timeoutMs(ATTEMPT_MILLIS))
                        .nodes().get(ATTEMPT_MILLIS + 500L, TimeUnit.MILLISECONDS);
                return live.size() == count ? Optional.of(live) : Optional.empty();
            });
            return null;
        });
    }

    private interface AdminCall<T> {
        T apply(Admin admin) throws Exception;
    }

    private <T> T withAdmin(AdminCall<T> call) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ATTEMPT_MILLIS,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ATTEMPT_MILLIS * 5,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200,
                AdminClientConfig.CLIENT_ID_CONFIG, "keel-test-brokers-cluster");
        try (Admin admin = Admin.create(config)) {
            return call.apply(admin);
        } catch (Poll.PollFailedException e) {
            throw new BrokerStartException(BrokerKind.KAFKA, e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka cluster admin call failed: " + e.getMessage(), e);
        }
    }

    private KafkaClusterNode node(int nodeId) {
        KafkaClusterNode node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("no Kafka node " + nodeId + "; nodes: " + nodes.keySet());
        }
        return node;
    }

    private void stop() {
        new ArrayList<>(nodes.values()).forEach(KafkaClusterNode::stop);
    }
}
