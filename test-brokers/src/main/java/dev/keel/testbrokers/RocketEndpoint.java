package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;

import java.util.Objects;

/**
 * A RocketMQ name server with one broker registered. {@link #kill()} and {@link #restart()} act on
 * the broker; the name server keeps running.
 */
public final class RocketEndpoint extends BrokerEndpoint {
    private final String nameServerAddress;

    public RocketEndpoint(Origin origin, String nameServerAddress, BrokerControl control) {
        super(BrokerKind.ROCKET, origin, control);
        this.nameServerAddress = Objects.requireNonNull(nameServerAddress, "nameServerAddress");
    }

    /** Value for the clients' {@code namesrvAddr}, e.g. {@code 127.0.0.1:29876}. */
    public String nameServerAddress() {
        return nameServerAddress;
    }

    @Override
    public String address() {
        return nameServerAddress;
    }
}
