package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node of the harness's Redis Cluster: a redis-server with cluster mode on 127.0.0.1, no
 * persistence (a restarted node comes back empty and resynchronises from its master), a short node
 * timeout so that failover takes seconds, and replicas that take over whatever their replication lag.
 */
final class RedisClusterNode extends OneProcessBroker {
    static final String HOST = "127.0.0.1";
    /** How long a master may be unreachable before its replica is promoted. */
    static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

    private final HarnessRuntime runtime;
    private final Path executable;
    private final int port;

    RedisClusterNode(HarnessRuntime runtime, Path executable, int port) {
        super(runtime.run().dir("redis-cluster/" + port), Duration.ofSeconds(10));
        this.runtime = runtime;
        this.executable = executable;
        this.port = port;
    }

    int port() {
        return port;
    }

    @Override
    void launchAndAwait() {
        Path data = dir().resolve("data");
        data.toFile().mkdirs();
        List<String> command = List.of(executable.toString(),
                "--port", String.valueOf(port), "--bind", HOST, "--protected-mode", "yes",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT.toMillis()),
                "--cluster-replica-validity-factor", "0",
                "--save", "", "--appendonly", "no", "--dir", data.toAbsolutePath().toString(),
                "--daemonize", "no", "--logfile", "");
        ManagedProcess started;
        try {
            started = runtime.launcher().launch(ProcessSpec.broker("redis-" + port, command, dir(), Map.of(),
                    dir().resolve("redis.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.REDIS, "cannot start " + executable, e);
        }
        running(started);
        try {
            Poll.until("Redis PING at " + HOST + ":" + port, runtime.settings().startTimeout(), started.onExit(),
                    () -> RedisPing.ping(HOST, port) ? Optional.of(true) : Optional.empty());
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.REDIS, e.getMessage() + started.tailMessage(), e);
        }
    }

    /** Freezes the node (SIGSTOP): it holds its connections and answers nothing, like a node stuck in a pause. */
    @Override
    public void pause() {
        signal("STOP");
    }

    /** Lets a {@link #pause() paused} node run again (SIGCONT). */
    @Override
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        ProcessSignals.send(name, process().pid());
    }
}
