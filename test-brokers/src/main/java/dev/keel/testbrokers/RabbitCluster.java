package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.local.LocalRabbitCluster;
import java.util.List;
import java.util.Map;

/**
 * A three-node RabbitMQ cluster for failover tests: disc nodes of the installed {@code rabbitmq-server}
 * package as local processes on 127.0.0.1 (own node names, ports and data, one Erlang cookie), joined
 * into one cluster, started once per test JVM on first use and stopped when it exits. guest/guest on
 * vhost {@code /}. Nodes are named by their Erlang node name ({@code keel-c1-<pid>@localhost}).
 */
public final class RabbitCluster {

    private final LocalRabbitCluster cluster;

    private RabbitCluster(LocalRabbitCluster cluster) {
        this.cluster = cluster;
    }

    public static RabbitCluster local() {
        return new RabbitCluster(LocalRabbitCluster.get());
    }

    public List<String> nodeNames() {
        return cluster.nodeNames();
    }

    /** Every node's AMQP address as {@code host:port}, in node order. */
    public List<String> addresses() {
        return cluster.nodeNames().stream().map(n -> "127.0.0.1:" + cluster.portOf(n)).toList();
    }

    /** The AMQP address of one node, {@code host:port}. */
    public String addressOf(String nodeName) {
        return "127.0.0.1:" + cluster.portOf(nodeName);
    }

    /** The first node's URI. */
    public String uri() {
        return "amqp://guest:guest@" + addresses().get(0) + "/%2F";
    }

    /** The node leading the quorum queue {@code queue} now. */
    public String leaderOf(String queue) {
        return cluster.leaderOf(queue);
    }

    /**
     * The consumers on {@code queue} now: each as the node its channel lives on, and {@code true} for
     * the one the broker delivers to (with single-active-consumer, at most one is).
     */
    public List<Map.Entry<String, Boolean>> consumersOf(String queue) {
        return cluster.consumersOf(queue);
    }

    /** Runs {@code rabbitmqctl <args>} on a node that serves (for diagnostics) and returns its output. */
    public String rabbitmqctl(String... args) {
        return cluster.rabbitmqctl(args);
    }

    /** kill -9 of the node's Erlang VM. */
    public void kill(String nodeName) {
        cluster.kill(nodeName);
    }

    /** Starts a killed node again with its data. */
    public void restart(String nodeName) {
        cluster.restart(nodeName);
    }

    /** {@code rabbitmqctl stop_app}: the broker stops, the Erlang VM stays. */
    public void stopApp(String nodeName) {
        cluster.stopApp(nodeName);
    }

    public void startApp(String nodeName) {
        cluster.startApp(nodeName);
    }

    /** Every node serving again (killed ones restarted, stopped ones started). */
    public void heal() {
        cluster.heal();
    }
}
