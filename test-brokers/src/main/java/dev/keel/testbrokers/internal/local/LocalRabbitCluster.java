package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A RabbitMQ cluster of three disc nodes of the installed package, local processes on 127.0.0.1 sharing
 * one Erlang cookie, joined with {@code rabbitmqctl join_cluster}. Started once per test JVM, on first
 * use. Nodes are named by their Erlang node name.
 */
public final class LocalRabbitCluster {
    /** An Erlang pid as rabbitmqctl prints it, {@code <node.N.N.N>}. */
    private static final Pattern PID = Pattern.compile("<(.+)\\.\\d+\\.\\d+\\.\\d+>");

    private static final int NODES = 3;
    private static volatile LocalRabbitCluster instance;

    private final List<RabbitClusterNode> nodes = new ArrayList<>();

    private LocalRabbitCluster(HarnessRuntime runtime, Path script) {
        Path home = runtime.run().dir("rabbit-cluster/home");
        writeCookie(home);
        for (int i = 1; i <= NODES; i++) {
            nodes.add(new RabbitClusterNode(runtime, script, i, home));
        }
    }

    /** The cluster of this test JVM, started and joined. */
    public static synchronized LocalRabbitCluster get() {
        if (instance == null) {
            HarnessRuntime runtime = HarnessRuntime.get();
            Path script = LocalRabbitNode.findScript().orElseThrow(() -> new BrokerStartException(BrokerKind.RABBIT,
                    "rabbitmq-server is not installed: apt-get install rabbitmq-server"));
            LocalRabbitCluster cluster = new LocalRabbitCluster(runtime, script);
            runtime.atShutdown(cluster::stop);
            cluster.start();
            instance = cluster;
        }
        return instance;
    }

    private static void writeCookie(Path home) {
        Path cookie = home.resolve(".erlang.cookie");
        try {
            Files.deleteIfExists(cookie);
            Files.writeString(cookie, UUID.randomUUID().toString().replace("-", ""), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "cannot write the Erlang cookie in " + home, e);
        }
    }

    private void start() {
        nodes.forEach(RabbitClusterNode::writeConfig);
        nodes.parallelStream().forEach(RabbitClusterNode::launchAndAwait);
        String first = nodes.get(0).nodeName();
        for (RabbitClusterNode node : nodes.subList(1, nodes.size())) {
            node.ctl("stop_app");
            node.ctl("join_cluster", first);
            node.ctl("start_app");
            node.awaitReady();
        }
    }

    public List<String> nodeNames() {
        return nodes.stream().map(RabbitClusterNode::nodeName).toList();
    }

    public int portOf(String nodeName) {
        return node(nodeName).port();
    }

    /** The node name of the leader of the quorum queue {@code queue} (vhost {@code /}) now. */
    public String leaderOf(String queue) {
        String table = anyLive().ctl("list_queues", "--no-table-headers", "name", "leader");
        for (String line : table.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[0].equals(queue)) {
                return fields[1];
            }
        }
        throw new IllegalStateException("no quorum queue " + queue + " with a leader; queues:\n" + table);
    }

    /**
     * The consumers registered on {@code queue} (vhost {@code /}) now, each as the node of its channel
     * and whether it is the consumer the broker delivers to ({@code rabbitmqctl list_consumers}'
     * {@code channel_pid} and {@code active}).
     */
    public List<Map.Entry<String, Boolean>> consumersOf(String queue) {
        String table = anyLive().ctl("list_consumers", "--no-table-headers", "queue_name", "channel_pid", "active");
        List<Map.Entry<String, Boolean>> consumers = new ArrayList<>();
        for (String line : table.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 3 && fields[0].equals(queue)) {
                Matcher pid = PID.matcher(fields[1]);
                consumers.add(Map.entry(pid.matches() ? pid.group(1) : fields[1], Boolean.parseBoolean(fields[2])));
            }
        }
        return consumers;
    }

    /** Runs {@code rabbitmqctl <args>} on a node that serves and returns its output. */
    public String rabbitmqctl(String... args) {
        return anyLive().ctl(args);
    }

    /** kill -9 of the node's Erlang VM. */
    public void kill(String nodeName) {
        node(nodeName).kill();
    }

    /** Starts a killed node again with its data; it rejoins the cluster. */
    public void restart(String nodeName) {
        RabbitClusterNode node = node(nodeName);
        if (!node.isAlive()) {
            node.launchAndAwait();
        }
    }

    public void stopApp(String nodeName) {
        node(nodeName).ctl("stop_app");
    }

    public void startApp(String nodeName) {
        RabbitClusterNode node = node(nodeName);
        node.ctl("start_app");
        node.awaitReady();
    }

    /** Restarts killed nodes and starts stopped applications, so every node serves again. */
    public void heal() {
        for (RabbitClusterNode node : nodes) {
            if (!node.isAlive()) {
                node.launchAndAwait();
            } else {
                node.ctl("start_app"); // a no-op when it runs
                node.awaitReady();
            }
        }
    }

    private RabbitClusterNode anyLive() {
        for (RabbitClusterNode node : nodes) {
            if (node.isAlive()) {
                try {
                    node.ctl("await_startup", "--timeout", "1");
                    return node;
                } catch (IllegalStateException notServing) {
                    // stopped app: ask another node
                }
            }
        }
        throw new IllegalStateException("no node of the RabbitMQ cluster serves");
    }

    private RabbitClusterNode node(String nodeName) {
        return nodes.stream().filter(n -> n.nodeName().equals(nodeName)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no node " + nodeName + " in the RabbitMQ cluster; nodes: " + nodeNames()));
    }

    private void stop() {
        nodes.forEach(RabbitClusterNode::stop);
    }
}
