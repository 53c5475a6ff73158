package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.ProcessWaitException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.process.JavaCommand;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node of the harness's three-node Kafka cluster: broker and KRaft controller in one JVM, on
 * 127.0.0.1, with replication settings for three nodes (internal topics replicated 3 times, at least
 * 2 in sync). Kill and restart keep its ports and log directory.
 */
final class KafkaClusterNode extends OneProcessBroker {
    private static final String JVM_OPTIONS = "-Xms128m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true "
            + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true";

    private final HarnessRuntime runtime;
    private final String classpath;
    private final int nodeId;
    private final int port;
    private final int controllerPort;

    KafkaClusterNode(HarnessRuntime runtime, String classpath, int nodeId, int port, int controllerPort) {
        super(runtime.run().dir("kafka-cluster/node-" + nodeId), Duration.ofSeconds(30));
        this.runtime = runtime;
        this.classpath = classpath;
        this.nodeId = nodeId;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    int nodeId() {
        return nodeId;
    }

    int port() {
        return port;
    }

    int controllerPort() {
        return controllerPort;
    }

    private Path config() {
        return dir().resolve("server.properties");
    }

    /** Writes the node's properties, {@code voters} naming every controller ({@code id@host:port,...}). */
    void writeConfig(String voters) {
        String properties = String.join("\n",
                "process.roles=broker,controller",
                "node.id=" + nodeId,
                "controller.quorum.voters=" + voters,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir().resolve("data").toAbsolutePath(),
                "num.partitions=1",
                "default.replication.factor=3",
                "min.insync.replicas=2",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=3",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=3",
                "transaction.state.log.min.isr=2",
                "transaction.state.log.num.partitions=10",
                "share.coordinator.state.topic.replication.factor=3",
                "share.coordinator.state.topic.min.isr=2",
                "share.coordinator.state.topic.num.partitions=10",
                "group.initial.rebalance.delay.ms=0",
                "unclean.leader.election.enable=false",
                String.join("\n", KafkaShareGroups.SERVER_PROPERTIES),
                "");
        try {
            Files.createDirectories(dir());
            Files.writeString(config(), properties, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.KAFKA, "cannot write " + config(), e);
        }
    }

    /** Formats the log directory with the cluster's id, once; restarts reuse it. */
    void format(String clusterId, Duration timeout) {
        ManagedProcess storageTool = launch("kafka-storage-format", "kafka.tools.StorageTool",
                formatArguments(clusterId));
        int exit;
        try {
            exit = storageTool.awaitExit(timeout);
        } catch (ProcessWaitException e) {
            storageTool.killNow();
            throw new BrokerStartException(BrokerKind.KAFKA, "formatting node " + nodeId + " " + e.getMessage());
        }
        if (exit != 0) {
            throw new BrokerStartException(BrokerKind.KAFKA, "formatting node " + nodeId + " failed with exit code "
                    + exit + storageTool.tailMessage());
        }
    }

    private List<String> formatArguments(String clusterId) {
        List<String> args = new java.util.ArrayList<>(List.of("format", "-t", clusterId, "-c", config().toString()));
        args.addAll(KafkaShareGroups.FORMAT_FEATURES);
        return args;
    }

    @Override
    void launchAndAwait() {
        ManagedProcess started = launch("kafka-" + nodeId, "kafka.Kafka", List.of(config().toString()));
        running(started);
        try {
            Poll.until("Kafka node " + nodeId + " port " + port, runtime.settings().startTimeout(), started.onExit(),
                    () -> Ports.accepts("127.0.0.1", port, 1000) ? Optional.of(true) : Optional.empty());
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.KAFKA, "Kafka node " + nodeId + " did not listen: "
                    + e.getMessage() + started.tailMessage(), e);
        }
    }

    private ManagedProcess launch(String name, String mainClass, List<String> args) {
        try {
            List<String> command = JavaCommand.command(dir().resolve("classpath.argfile"), classpath,
                    JavaCommand.splitOptions(JVM_OPTIONS), mainClass, args);
            return runtime.launcher().launch(ProcessSpec.broker(name, command, dir(), Map.of(), dir().resolve(name + ".log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.KAFKA, "cannot start " + mainClass, e);
        }
    }
}
