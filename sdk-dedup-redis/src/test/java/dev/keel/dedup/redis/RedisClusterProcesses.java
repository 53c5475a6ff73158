package dev.keel.dedup.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A 3-master Redis Cluster of private redis-server processes on free local ports: started with
 * {@code --cluster-enabled yes}, joined by {@code redis-cli --cluster create ... --cluster-replicas 0},
 * ready once every node reports {@code cluster_state:ok}. Nodes serve their own slots while another
 * is down ({@code cluster-require-full-coverage no}), so one node can be killed and restarted.
 */
final class RedisClusterProcesses implements AutoCloseable {

    private static final int MASTERS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final List<RedisServerProcess> nodes;

    private RedisClusterProcesses(List<RedisServerProcess> nodes) {
        this.nodes = nodes;
    }

    static RedisClusterProcesses start() {
        List<RedisServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < MASTERS; i++) {
                nodes.add(RedisServerProcess.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no"));
            }
            RedisClusterProcesses cluster = new RedisClusterProcesses(nodes);
            cluster.create();
            cluster.awaitState();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    List<String> hostPorts() {
        return nodes.stream().map(RedisServerProcess::hostPort).toList();
    }

    List<RedisServerProcess> nodes() {
        return nodes;
    }

    /** Awaits cluster_state:ok on every node that runs. */
    void awaitState() {
        Awaitility.await("Redis Cluster state ok").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> nodes.stream().filter(RedisServerProcess::isAlive)
                        .allMatch(n -> redisCli("-p", String.valueOf(n.port()), "cluster", "info").contains("cluster_state:ok")));
    }

    private void create() {
        List<String> command = new ArrayList<>(List.of("--cluster", "create"));
        command.addAll(hostPorts());
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String output = redisCli(command.toArray(String[]::new));
        if (!output.contains("[OK] All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
        }
    }

    static String redisCli(String... args) {
        List<String> command = new ArrayList<>();
        command.add("redis-cli");
        command.addAll(List.of("-h", RedisServerProcess.HOST));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("redis-cli did not finish: " + command);
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli (is it installed? apt-get install redis-tools)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::close);
    }
}
