package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.process.RunDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node of the local RabbitMQ cluster: the package's server script with its own node name
 * ({@code keel-c<n>-<pid>@localhost}), AMQP and distribution ports on 127.0.0.1, data and logs; the
 * Erlang cookie comes from the shared {@code HOME}. The process held is the Erlang VM itself, so
 * {@link #kill} is a kill -9 of the broker.
 */
final class RabbitClusterNode {
    static final String HOST = "127.0.0.1";
    static final String USER = "guest";

    private final HarnessRuntime runtime;
    private final Path script;
    private final Path dir;
    private final int port;
    private final String nodeName;
    private final Map<String, String> environment;
    private final Rabbitmqctl ctl;
    private volatile ManagedProcess process;

    RabbitClusterNode(HarnessRuntime runtime, Path script, int index, Path home) {
        this.runtime = runtime;
        this.script = script;
        this.dir = runtime.run().dir("rabbit-cluster/c" + index);
        this.port = Ports.freePort();
        this.nodeName = "keel-c" + index + "-" + ProcessHandle.current().pid() + "@localhost";
        this.environment = environment(Ports.freePort(), home);
        this.ctl = Rabbitmqctl.forNode(nodeName, environment).orElseThrow(() -> new BrokerStartException(
                BrokerKind.RABBIT, "rabbitmqctl is missing; it comes with the rabbitmq-server package"));
    }

    String nodeName() {
        return nodeName;
    }

    int port() {
        return port;
    }

    boolean isAlive() {
        ManagedProcess current = process;
        return current != null && current.isAlive();
    }

    private Map<String, String> environment(int distributionPort, Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", HOST);
        env.put("RABBITMQ_NODE_PORT", String.valueOf(port));
        env.put("RABBITMQ_DIST_PORT", String.valueOf(distributionPort));
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toAbsolutePath().toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toAbsolutePath().toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toAbsolutePath().toString());
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("data").toAbsolutePath().toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toAbsolutePath().toString());
        env.put("RABBITMQ_LOGS", "-");
        env.put("RUNNING_UNDER_SYSTEMD", "true"); // exec the Erlang VM in place of the script
        env.put("ERL_EPMD_ADDRESS", HOST);
        env.put("ERL_FLAGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        env.put("HOME", home.toAbsolutePath().toString()); // the shared Erlang cookie
        return env;
    }

    void writeConfig() {
        try {
            Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n",
                    "listeners.tcp.1 = " + HOST + ":" + port,
                    "loopback_users.guest = true",
                    "cluster_partition_handling = pause_minority",
                    ""), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("enabled_plugins"), "[].\n", StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("rabbitmq-env.conf"), "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "cannot write the node configuration in " + dir, e);
        }
    }

    /** Starts the Erlang VM and waits until AMQP connections open. */
    void launchAndAwait() {
        ManagedProcess started;
        try {
            started = runtime.launcher().launch(ProcessSpec.broker("rabbitmq-" + nodeName, List.of(script.toString()),
                    dir, environment, dir.resolve("rabbitmq.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "cannot start " + script, e);
        }
        process = started;
        try {
            awaitReady(started);
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.RABBIT, "the node " + nodeName + " did not become ready: "
                    + e.getMessage() + started.tailMessage(), e);
        }
    }

    void awaitReady() {
        try {
            awaitReady(process);
        } catch (Poll.PollFailedException e) {
            throw new IllegalStateException("the node " + nodeName + " did not become ready: " + e.getMessage(), e);
        }
    }

    private void awaitReady(ManagedProcess started) throws Poll.PollFailedException {
        Duration timeout = runtime.settings().startTimeout();
        Poll.until("RabbitMQ port " + port, timeout, started.onExit(),
                () -> Ports.accepts(HOST, port, 1000) ? Optional.of(true) : Optional.empty());
        RabbitReadiness.await(HOST, port, USER, USER, "/", timeout, started.onExit());
    }

    /** Runs {@code rabbitmqctl -n <this node> <args>}. */
    String ctl(String... args) {
        try {
            return ctl.run(args);
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ node " + nodeName + ": " + e.getMessage(), e);
        }
    }

    /** kill -9 of the Erlang VM; waits until it is gone. */
    void kill() {
        ManagedProcess current = process;
        if (current != null) {
            current.kill(Duration.ofSeconds(30));
        }
    }

    void stop() {
        ManagedProcess current = process;
        if (current != null) {
            current.killNow();
        }
        RunDirectory.deleteTree(dir.resolve("data"));
    }
}
