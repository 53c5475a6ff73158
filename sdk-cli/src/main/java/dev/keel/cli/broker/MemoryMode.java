package dev.keel.cli.broker;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import java.util.List;

/** The embedded default: Keel's in-memory broker, in this process. Nothing to install or reach. */
final class MemoryMode implements BrokerMode {

    static final String NAME = "memory";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String endpoint(BrokerOptions options) {
        return "embedded, in this process";
    }

    @Override
    public void preflight(BrokerOptions options) {
        // nothing to reach
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        return InMemoryBroker.create();
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        return List.of();
    }

    /** Nothing to delete: the embedded broker ends with the run's adapter. */
    @Override
    public void deleteTopics(BrokerOptions options, List<String> topics) {
    }

    @Override
    public String rawBaselinesMissingReason() {
        return "the in-memory broker has no client of its own to compare with";
    }
}
