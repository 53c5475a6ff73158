package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.TopologyAdmin;
import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One {@code --broker} choice: how to reach the broker, check it answers, and build its Keel
 * adapter and its raw-client baselines. Adding a broker is one implementation of this interface
 * plus one line in {@link BrokerModes}.
 */
public interface BrokerMode {

    /** The {@code --broker} value. */
    String name();

    /** Where it connects, for the report; never credentials. */
    String endpoint(BrokerOptions options);

    /**
     * Checks within a few seconds that the broker answers, so an unreachable broker is a clear
     * {@link dev.keel.cli.EnvironmentException} saying what to do, not a client timeout much later.
     */
    void preflight(BrokerOptions options);

    /** A new adapter; the caller closes it, after the Keel built on it (Keel never closes its adapter). */
    BrokerAdapter createAdapter(BrokerOptions options);

    /**
     * The broker's one address when a TCP proxy on this machine can stand between a client and it
     * (the broker is on a loopback address and clients find no other address of it), for faults that
     * reset a client's connections; empty otherwise (the default).
     */
    default Optional<InetSocketAddress> loopbackAddress(BrokerOptions options) {
        return Optional.empty();
    }

    /**
     * A new adapter that connects to {@code host:port} (a proxy in front of {@link #loopbackAddress})
     * instead of the broker's own address, its connections named {@code connectionName}.
     *
     * @throws UnsupportedOperationException when {@link #loopbackAddress} is empty
     */
    default BrokerAdapter createAdapterThrough(BrokerOptions options, String host, int port, String connectionName) {
        throw new UnsupportedOperationException("--broker " + name() + " cannot be reached through a proxy");
    }

    /**
     * How to drop the broker session of every member of {@code group} from outside their processes,
     * which live on (the broker fences them: they lose what they were assigned and join again), for
     * {@code keel verify}'s channel-close; empty when the broker offers no such operation (the default).
     */
    default Optional<Runnable> groupSessionDrop(BrokerOptions options, String group) {
        return Optional.empty();
    }

    /**
     * The raw-client publish baselines {@code bench} compares Keel with, best first; empty when
     * there is no raw client (see {@link #rawBaselinesMissingReason()}).
     */
    List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options);

    /** The raw-client consume baseline {@code bench} compares Keel with; empty when it has none. */
    default Optional<RawConsumeBaseline> rawConsumeBaseline(BrokerOptions options) {
        return Optional.empty();
    }

    /**
     * The raw share-consumer baseline of {@code bench}'s share section (a broker with share groups); empty when it
     * has none.
     */
    default Optional<RawConsumeBaseline> rawShareConsumeBaseline(BrokerOptions options) {
        return Optional.empty();
    }

    /**
     * The raw-client end-to-end latency baseline {@code bench} runs at the same rate as Keel's latency
     * measurement; empty when the broker has no client of its own.
     */
    default Optional<RawLatencyBaseline> rawLatencyBaseline(BrokerOptions options) {
        return Optional.empty();
    }

    /** Why {@link #rawPublishBaselines} is empty; {@code null} when it is not. */
    default String rawBaselinesMissingReason() {
        return null;
    }

    /**
     * Deletes these topics (the CLI's own scratch topics) and the default dead-letter topics their
     * subscriptions ensured, with everything Keel created for them, through a new adapter's
     * {@link TopologyAdmin}: runs leave nothing behind on a real broker. Throws what the caller
     * reports as a note.
     */
    default void deleteTopics(BrokerOptions options, List<String> topics) {
        try (BrokerAdapter adapter = createAdapter(options)) {
            if (!(adapter instanceof TopologyAdmin admin)) {
                throw new EnvironmentException("the " + name() + " adapter cannot delete topics (no TopologyAdmin)");
            }
            Set<String> scratch = new LinkedHashSet<>();
            for (String topic : topics) {
                scratch.add(topic);
                scratch.add(adapter.defaultDeadLetterTopic(topic));
            }
            scratch.forEach(admin::deleteTopology);
        }
    }
}
