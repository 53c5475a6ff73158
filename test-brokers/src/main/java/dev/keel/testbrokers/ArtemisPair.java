package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.local.LocalArtemisPair;
import java.time.Duration;
import java.util.Optional;

/**
 * An ActiveMQ Artemis primary/backup pair with journal replication, for failover tests: two brokers
 * as local JVMs on 127.0.0.1 from the Maven Central jars, persistent, joined by a cluster connection
 * over which the backup replicates the primary's journal (every durable write is on both before the
 * primary answers). Started once per test JVM on first use, the primary active and the backup in sync;
 * stopped when the JVM exits. About 384 MiB of heap per broker.
 *
 * <p>Only the active broker opens its acceptor. When the active broker dies the other takes over at
 * once: a single pair has no quorum to ask (see docs/high-availability.md on split brain). A broker
 * started again beside the active one copies its journal and becomes its backup; there is no failback
 * (a primary does not take over again by itself), so which broker is active depends on what the tests
 * before did: ask {@link #active()}. Not a {@link BrokerEndpoint}: no configured or container path, no proxy.
 */
public final class ArtemisPair {

    /** A broker of the pair, named by the role it was configured with (the backup stays "backup" while active). */
    public enum Node {
        PRIMARY, BACKUP;

        /** The other broker of the pair. */
        public Node other() {
            return this == PRIMARY ? BACKUP : PRIMARY;
        }
    }

    private final LocalArtemisPair pair;

    private ArtemisPair(LocalArtemisPair pair) {
        this.pair = pair;
    }

    public static ArtemisPair local() {
        return new ArtemisPair(LocalArtemisPair.get());
    }

    /**
     * Both brokers in one URL for Artemis's clients, {@code (tcp://127.0.0.1:<primary>,tcp://127.0.0.1:<backup>)?ha=true}:
     * a new connection goes to whichever of them is active, and the client learns the pair's topology.
     * Further parameters are appended with {@code &}.
     */
    public String url() {
        return "(" + urlOf(Node.PRIMARY) + "," + urlOf(Node.BACKUP) + ")?ha=true";
    }

    /** One broker's URL, {@code tcp://127.0.0.1:<port>}. */
    public String urlOf(Node node) {
        return pair.urlOf(node);
    }

    /** The broker serving clients now, if any. */
    public Optional<Node> active() {
        return pair.active();
    }

    /** Waits until {@code node} serves clients (after a kill of the active broker, until the other took over). */
    public void awaitActive(Node node, Duration timeout) {
        pair.awaitActive(node, timeout);
    }

    /** kill -9 of the broker's JVM; returns once it is gone. */
    public void kill(Node node) {
        pair.kill(node);
    }

    /**
     * Starts a killed broker again on its port and data. Beside the active broker (once the other took
     * over, if it had not yet) it returns once it is that one's backup, in sync. When both are down, start
     * the primary first: it activates with its own journal, while a backup alone waits for a primary.
     */
    public void restart(Node node) {
        pair.restart(node);
    }

    /** Starts every killed broker, the primary first; returns with one broker active and the other its backup, in sync. */
    public void heal() {
        pair.heal();
    }
}
