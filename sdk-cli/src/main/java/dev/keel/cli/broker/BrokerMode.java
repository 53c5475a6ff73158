package dev.keel.cli.broker;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import java.util.List;

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
     * The raw-client publish baselines {@code bench} compares Keel with, best first; empty when
     * there is no raw client (see {@link #rawBaselinesMissingReason()}).
     */
    List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options);

    /** Why {@link #rawPublishBaselines} is empty; {@code null} when it is not. */
    default String rawBaselinesMissingReason() {
        return null;
    }

    /**
     * Deletes what {@code ensureTopology} declared for these topics (the CLI's own scratch topics),
     * so runs leave nothing behind on a real broker. Best effort: throws only what the caller reports
     * as a note. Nothing to do for an embedded broker.
     */
    default void deleteTopics(BrokerOptions options, List<TopicSpec> topics) throws Exception {
    }
}
