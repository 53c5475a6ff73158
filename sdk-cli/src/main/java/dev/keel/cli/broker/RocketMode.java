package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.spi.BrokerAdapter;
import java.util.List;

/** RocketMQ: named so the flag is recognised, refused clearly until its adapter lands. */
final class RocketMode implements BrokerMode {

    static final String NAME = "rocket";
    static final String NOT_AVAILABLE = "--broker rocket is not available yet: the RocketMQ adapter (sdk-rocket) "
            + "has not landed. Use --broker memory (embedded), kafka or rabbit.";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String endpoint(BrokerOptions options) {
        return "name server " + options.namesrv();
    }

    @Override
    public void preflight(BrokerOptions options) {
        throw new EnvironmentException(NOT_AVAILABLE);
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        throw new EnvironmentException(NOT_AVAILABLE);
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        throw new EnvironmentException(NOT_AVAILABLE);
    }
}
