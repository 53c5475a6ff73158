package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Redis Cluster of three masters with one replica each, as six local redis-server processes on
 * 127.0.0.1, created with {@code redis-cli --cluster create}. Started once per test JVM, on first use.
 * Nodes can be killed (-9), restarted (empty; they rejoin as replicas and resynchronise), paused
 * (SIGSTOP: Linux) and resumed.
 */
public final class LocalRedisCluster {
    private static final int NODES = 6;
    private static volatile LocalRedisCluster instance;

    private final HarnessRuntime runtime;
    private final RedisCli cli;
    private final Map<Integer, RedisClusterNode> nodes = new LinkedHashMap<>();
    private final Set<Integer> down = ConcurrentHashMap.newKeySet();

    private LocalRedisCluster(HarnessRuntime runtime, Path redisServer, Path redisCli) {
        this.runtime = runtime;
        this.cli = new RedisCli(redisCli, RedisClusterNode.HOST);
        for (int i = 0; i < NODES; i++) {
            int port = Ports.freeBlock(0, 10000);
            nodes.put(port, new RedisClusterNode(runtime, redisServer, port));
        }
    }

    /** The cluster of this test JVM, started and serving. */
    public static synchronized LocalRedisCluster get() {
        if (instance == null) {
            HarnessRuntime runtime = HarnessRuntime.get();
            Path server = Executables.find("redis-server").orElseThrow(() -> missing("redis-server"));
            Path client = Executables.find("redis-cli").orElseThrow(() -> missing("redis-cli"));
            LocalRedisCluster cluster = new LocalRedisCluster(runtime, server, client);
            runtime.atShutdown(cluster::stop);
            cluster.start();
            instance = cluster;
        }
        return instance;
    }

    private static BrokerStartException missing(String program) {
        return new BrokerStartException(BrokerKind.REDIS, program + " is not installed (not on the PATH): "
                + "apt-get install redis-server (it brings redis-cli)");
    }

    private void start() {
        nodes.values().parallelStream().forEach(RedisClusterNode::launchAndAwait);
        cli.createCluster(List.copyOf(nodes.keySet()));
        awaitServing(runtime.settings().startTimeout());
    }

    public List<Integer> ports() {
        return List.copyOf(nodes.keySet());
    }

    /** The port of the master that serves {@code key} now. */
    public int masterOf(String key) {
        int slot = Integer.parseInt(cli.run(anyLivePort(), "cluster", "keyslot", key).trim());
        for (ClusterView.Node node : view().nodes()) {
            if (node.isLiveMaster() && node.serves(slot)) {
                return node.port();
            }
        }
        throw new IllegalStateException("no live master serves slot " + slot);
    }

    /** The port of the master that serves hash slot {@code slot} now (during a migration: the source). */
    public int masterOfSlot(int slot) {
        for (ClusterView.Node node : view().nodes()) {
            if (node.isLiveMaster() && node.serves(slot)) {
                return node.port();
            }
        }
        throw new IllegalStateException("no live master serves slot " + slot);
    }

    /** The ports of the live masters. */
    public List<Integer> masters() {
        return view().nodes().stream().filter(ClusterView.Node::isLiveMaster).map(ClusterView.Node::port).toList();
    }

    /** Marks {@code slot} IMPORTING on the master at {@code targetPort}, then MIGRATING on the master serving it. */
    public void beginSlotMigration(int slot, int targetPort) {
        int source = masterOfSlot(slot);
        ClusterView view = view();
        expectOk(cli.run(targetPort, "cluster", "setslot", String.valueOf(slot), "importing", view.idOf(source)));
        expectOk(cli.run(source, "cluster", "setslot", String.valueOf(slot), "migrating", view.idOf(targetPort)));
    }

    /** Moves {@code keys} of a migrating {@code slot} from its source to the master at {@code targetPort} (MIGRATE). */
    public void migrateKeys(int slot, int targetPort, List<String> keys) {
        List<String> args = new ArrayList<>(List.of("migrate", RedisClusterNode.HOST, String.valueOf(targetPort), "",
                "0", "5000", "keys"));
        args.addAll(keys);
        String reply = cli.run(masterOfSlot(slot), args.toArray(String[]::new)).trim();
        if (!reply.equals("OK") && !reply.equals("NOKEY")) {
            throw new IllegalStateException("MIGRATE of " + keys.size() + " keys of slot " + slot + " failed: " + reply);
        }
    }

    /**
     * Ends a migration: moves the keys of {@code slot} still on its source, then assigns the slot to the master at
     * {@code targetPort} on the target, the source and every other master (CLUSTER SETSLOT ... NODE).
     */
    public void endSlotMigration(int slot, int targetPort) {
        int source = masterOfSlot(slot);
        while (true) {
            List<String> left = cli.run(source, "cluster", "getkeysinslot", String.valueOf(slot), "100").lines()
                    .map(String::trim).filter(k -> !k.isEmpty()).toList();
            if (left.isEmpty()) {
                break;
            }
            migrateKeys(slot, targetPort, left);
        }
        String targetId = view().idOf(targetPort);
        List<Integer> order = new ArrayList<>(List.of(targetPort, source));
        masters().stream().filter(p -> !order.contains(p)).forEach(order::add);
        for (int port : order) {
            expectOk(cli.run(port, "cluster", "setslot", String.valueOf(slot), "node", targetId));
        }
    }

    private static void expectOk(String reply) {
        if (!reply.trim().equals("OK")) {
            throw new IllegalStateException("redis-cli answered " + reply.trim() + ", expected OK");
        }
    }

    /** The port of a replica of the master at {@code masterPort}. */
    public int replicaOf(int masterPort) {
        ClusterView view = view();
        String masterId = view.idOf(masterPort);
        for (ClusterView.Node node : view.nodes()) {
            if (masterId.equals(node.masterId()) && !down.contains(node.port())) {
                return node.port();
            }
        }
        throw new IllegalStateException("the master at " + masterPort + " has no live replica");
    }

    public void kill(int port) {
        down.add(port);
        node(port).kill();
    }

    public void restart(int port) {
        node(port).restart();
        down.remove(port);
    }

    /** Closes the master's connections to its replicas (they reconnect unless paused). */
    public void cutReplicaLinks(int masterPort) {
        cli.run(masterPort, "client", "kill", "type", "replica");
    }

    public void pause(int port) {
        down.add(port);
        node(port).pause();
    }

    public void resume(int port) {
        node(port).resume();
        down.remove(port);
    }

    /**
     * Waits until every live node reports {@code cluster_state:ok} (each slot has a live master) and every
     * live replica's link to its master is up (its first synchronisation done).
     */
    public void awaitServing(Duration timeout) {
        try {
            Poll.until("Redis Cluster serving every slot", timeout, Poll.never(), () -> {
                for (int port : nodes.keySet()) {
                    if (down.contains(port)) {
                        continue;
                    }
                    String replication = cli.run(port, "info", "replication");
                    if (!cli.run(port, "cluster", "info").contains("cluster_state:ok")
                            || replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                        return Optional.empty();
                    }
                }
                return Optional.of(true);
            });
        } catch (Poll.PollFailedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private ClusterView view() {
        return ClusterView.parse(cli.run(anyLivePort(), "cluster", "nodes"));
    }

    private int anyLivePort() {
        return nodes.keySet().stream().filter(p -> !down.contains(p)).findFirst()
                .orElseThrow(() -> new IllegalStateException("every node of the Redis Cluster is down"));
    }

    private RedisClusterNode node(int port) {
        RedisClusterNode node = nodes.get(port);
        if (node == null) {
            throw new IllegalArgumentException("no node of the Redis Cluster listens on " + port + "; nodes: "
                    + nodes.keySet());
        }
        return node;
    }

    private void stop() {
        List<RedisClusterNode> all = new ArrayList<>(nodes.values());
        for (RedisClusterNode node : all) {
            if (down.contains(node.port())) {
                try {
                    node.resume();
                } catch (RuntimeException ignored) {
                    // killed, not paused: nothing to resume
                }
            }
            node.stop();
        }
    }
}
