package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.local.LocalKafkaCluster;
import java.time.Duration;
import java.util.List;

/**
 * A three-node Kafka cluster for failover tests: KRaft combined nodes (broker and controller voter
 * each) as local JVMs on 127.0.0.1 from the Maven Central jars, internal topics replicated three times
 * with two in sync, started once per test JVM on first use and stopped when it exits. Nodes are named
 * by {@code node.id}: 1, 2, 3. About 512 MiB of heap per node.
 */
public final class KafkaCluster {

    private final LocalKafkaCluster cluster;

    private KafkaCluster(LocalKafkaCluster cluster) {
        this.cluster = cluster;
    }

    public static KafkaCluster local() {
        return new KafkaCluster(LocalKafkaCluster.get());
    }

    /** The three nodes' client addresses, comma-separated. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public List<Integer> nodeIds() {
        return cluster.nodeIds();
    }

    /** The node id of the leader of {@code topic}'s {@code partition} now. */
    public int leaderOf(String topic, int partition) {
        return cluster.leaderOf(topic, partition);
    }

    /** The node id of the KRaft controller quorum's leader now. */
    public int controllerLeader() {
        return cluster.controllerLeader();
    }

    /** Kills the node with -9. */
    public void kill(int nodeId) {
        cluster.kill(nodeId);
    }

    /** Starts a killed node again on its ports and data; returns once it listens. */
    public void restart(int nodeId) {
        cluster.restart(nodeId);
    }

    /** Restarts every node killed and not restarted yet, together. */
    public void restartKilled() {
        cluster.restartKilled();
    }

    /** Waits until the cluster lists {@code count} live brokers. */
    public void awaitBrokers(int count, Duration timeout) {
        cluster.awaitBrokers(count, timeout);
    }
}
