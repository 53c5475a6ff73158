package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.ArtemisPair;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * An ActiveMQ Artemis primary/backup pair with journal replication, as two local JVMs on 127.0.0.1
 * ({@link ArtemisPairNode}, configured by {@link ArtemisPairConfig}). Started once per test JVM, on
 * first use: the primary, then the backup, which copies the primary's journal and replicates it from
 * then on. Each broker can be killed (-9) and started again on its port and data.
 */
public final class LocalArtemisPair {
    private static volatile LocalArtemisPair instance;

    private final Map<ArtemisPair.Node, ArtemisPairNode> nodes = new EnumMap<>(ArtemisPair.Node.class);
    private final Duration timeout;

    private LocalArtemisPair(HarnessRuntime runtime, String classpath) {
        for (ArtemisPair.Node node : ArtemisPair.Node.values()) {
            nodes.put(node, new ArtemisPairNode(runtime, classpath, node, Ports.freePort()));
        }
        this.timeout = runtime.settings().startTimeout();
    }

    /** The pair of this test JVM; at the first call, the primary active and the backup replicating it. */
    public static synchronized LocalArtemisPair get() {
        if (instance == null) {
            HarnessRuntime runtime = HarnessRuntime.get();
            LocalArtemisPair pair = new LocalArtemisPair(runtime,
                    BrokerClasspath.resolve("artemis", BrokerKind.ARTEMIS, runtime.settings()));
            runtime.atShutdown(pair::stop);
            pair.start();
            instance = pair;
        }
        return instance;
    }

    private void start() {
        // the brokers of the pair log in to each other as the cluster user; nothing else uses its password
        String clusterPassword = UUID.randomUUID().toString();
        ArtemisPairNode primary = node(ArtemisPair.Node.PRIMARY);
        ArtemisPairNode backup = node(ArtemisPair.Node.BACKUP);
        primary.writeConfig(backup.port(), clusterPassword);
        backup.writeConfig(primary.port(), clusterPassword);
        startAlone(primary);
        startBeside(backup);
    }

    /** The URL of one broker: {@code tcp://127.0.0.1:<port>}. */
    public String urlOf(ArtemisPair.Node node) {
        return node(node).url();
    }

    /** The broker whose acceptor takes connections now, if any (a backup opens its acceptor when it takes over). */
    public Optional<ArtemisPair.Node> active() {
        return nodes.values().stream().filter(ArtemisPairNode::isActive).map(ArtemisPairNode::node).findFirst();
    }

    /** Waits until {@code node} serves clients. */
    public void awaitActive(ArtemisPair.Node node, Duration timeout) {
        ArtemisPairNode broker = node(node);
        try {
            Poll.until("the " + name(node) + " of the Artemis pair active", timeout, Poll.never(),
                    () -> broker.isActive() ? Optional.of(true) : Optional.empty());
        } catch (Poll.PollFailedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public void kill(ArtemisPair.Node node) {
        node(node).kill();
    }

    /**
     * Starts {@code node} again after {@link #kill} and returns once the pair serves again. Beside the other
     * broker (which takes over first, if it had not yet) it copies that one's journal and stays its backup
     * (no failback). Alone, the primary activates with its own journal, and the backup returns once started,
     * waiting for a primary.
     *
     * @throws IllegalStateException when {@code node} runs
     */
    public void restart(ArtemisPair.Node node) {
        ArtemisPairNode broker = node(node);
        if (broker.isRunning()) {
            throw new IllegalStateException("the " + name(node) + " of the Artemis pair runs: kill it first");
        }
        ArtemisPairNode other = other(broker);
        if (other.isRunning()) {
            awaitActive(other.node(), timeout); // a backup whose primary died takes over: never start beside a backup
            startBeside(broker);
        } else {
            startAlone(broker);
        }
    }

    /** Starts every broker that does not run, the primary first: the pair replicates again. */
    public void heal() {
        for (ArtemisPair.Node node : ArtemisPair.Node.values()) {
            if (!node(node).isRunning()) {
                restart(node);
            }
        }
    }

    private void startAlone(ArtemisPairNode broker) {
        broker.launchAndAwait();
        if (broker.node() == ArtemisPair.Node.PRIMARY) {
            broker.awaitLine("active", ArtemisPairNode.ACTIVE, timeout);
            awaitActive(broker.node(), timeout);
        }
    }

    private void startBeside(ArtemisPairNode broker) {
        broker.launchAndAwait();
        broker.awaitLine("synchronized with the active broker", ArtemisPairNode.SYNCHRONIZED, timeout);
        broker.awaitLine("announced as the backup", ArtemisPairNode.ANNOUNCED, timeout);
    }

    private ArtemisPairNode other(ArtemisPairNode broker) {
        return node(broker.node() == ArtemisPair.Node.PRIMARY ? ArtemisPair.Node.BACKUP : ArtemisPair.Node.PRIMARY);
    }

    private ArtemisPairNode node(ArtemisPair.Node node) {
        return nodes.get(node);
    }

    private static String name(ArtemisPair.Node node) {
        return node == ArtemisPair.Node.PRIMARY ? "primary" : "backup";
    }

    private void stop() {
        nodes.values().forEach(ArtemisPairNode::stop);
    }
}
