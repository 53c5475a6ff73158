package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.ArtemisPair;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.ProcessWaitException;
import dev.keel.testbrokers.internal.HarnessRuntime;
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
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One broker of the harness's Artemis primary/backup pair: a JVM of Artemis's {@code embedded.Main}
 * with the local broker's settings ({@link ArtemisConfig}) and the pair's ({@link ArtemisPairConfig}),
 * its acceptor on 127.0.0.1. Only the active broker of the pair opens its acceptor; a backup
 * replicates the active one's journal over its cluster connection until that one fails. Kill and
 * restart keep its port and data. What it is doing is read from its log's message codes.
 */
final class ArtemisPairNode extends OneProcessBroker {
    static final String HOST = "127.0.0.1";
    /** Serving clients: its journal loaded and its acceptor started. */
    static final String ACTIVE = "AMQ221007: Server is now active";
    /** A backup holding a full copy of the active broker's journal, replicated from now on. */
    static final String SYNCHRONIZED = "AMQ221024:";
    /** A backup that announced itself to the active broker: from now on a failure of that one fails over. */
    static final String ANNOUNCED = "AMQ221031: backup announced";
    /** Started as a backup, before it found an active broker to replicate. */
    private static final String WAITING = "AMQ221109:";
    private static final String MAIN_CLASS = "org.apache.activemq.artemis.core.server.embedded.Main";
    private static final String DEFAULT_JVM_OPTIONS = "-Xms64m -Xmx384m -XX:+UseSerialGC -Djava.awt.headless=true "
            + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true "
            // the audit loggers write a line per connection and session: not what a failover test reads
            + "-Dorg.slf4j.simpleLogger.log.org.apache.activemq.audit=warn";

    private final HarnessRuntime runtime;
    private final String classpath;
    private final ArtemisPair.Node node;
    private final int port;
    private final Duration startTimeout;

    ArtemisPairNode(HarnessRuntime runtime, String classpath, ArtemisPair.Node node, int port) {
        super(runtime.run().dir("artemis-pair/" + node.name().toLowerCase(Locale.ROOT)), Duration.ofSeconds(30));
        this.runtime = runtime;
        this.classpath = classpath;
        this.node = node;
        this.port = port;
        this.startTimeout = runtime.settings().startTimeout();
    }

    ArtemisPair.Node node() {
        return node;
    }

    int port() {
        return port;
    }

    String url() {
        return "tcp://" + HOST + ":" + port;
    }

    boolean isRunning() {
        ManagedProcess current = process();
        return current != null && current.isAlive();
    }

    /** Whether its acceptor takes connections: only the active broker's does. */
    boolean isActive() {
        return isRunning() && Ports.accepts(HOST, port, 1000);
    }

    void writeConfig(int peerPort, String clusterPassword) {
        Path config = dir().resolve("etc").resolve("broker.xml");
        String name = "keel-" + node.name().toLowerCase(Locale.ROOT);
        try {
            Files.createDirectories(config.getParent());
            Files.writeString(config, ArtemisConfig.brokerXml(name, HOST, port, dir().resolve("data").toAbsolutePath(),
                    false, ArtemisPairConfig.clustering(node, HOST, port, peerPort, clusterPassword)),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ARTEMIS, "cannot write " + config, e);
        }
    }

    /** Launches the broker and returns once it started, active or as a backup. */
    @Override
    void launchAndAwait() {
        List<String> args = List.of(dir().toAbsolutePath().toString());
        List<String> options = JavaCommand.splitOptions(runtime.settings().jvmOptions("artemis").orElse(DEFAULT_JVM_OPTIONS));
        ManagedProcess started;
        try {
            List<String> command = JavaCommand.command(dir().resolve("classpath.argfile"), classpath, options,
                    MAIN_CLASS, args);
            String name = "artemis-" + node.name().toLowerCase(Locale.ROOT);
            started = runtime.launcher().launch(ProcessSpec.broker(name, command, dir(), Map.of(),
                    dir().resolve(name + ".log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ARTEMIS, "cannot start " + MAIN_CLASS + " with "
                    + JavaCommand.javaExecutable(), e);
        }
        running(started);
        awaitLine(started, "started", line -> line.contains(ACTIVE) || line.contains(WAITING)
                || line.contains(SYNCHRONIZED), startTimeout);
    }

    /** Waits for a line containing {@code text}, printed since this process started. */
    void awaitLine(String what, String text, Duration timeout) {
        awaitLine(process(), what, line -> line.contains(text), timeout);
    }

    private void awaitLine(ManagedProcess process, String what, Predicate<String> line, Duration timeout) {
        try {
            process.awaitLine(line, "showing it " + what, timeout);
        } catch (ProcessWaitException e) {
            throw notShowing(what, e);
        }
    }

    private BrokerStartException notShowing(String what, ProcessWaitException e) {
        return new BrokerStartException(BrokerKind.ARTEMIS, "the " + node.name().toLowerCase(Locale.ROOT)
                + " of the pair (" + url() + ") was not " + what + ": " + e.getMessage(), e);
    }
}
