package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;

import java.util.Objects;

/** A Kafka cluster (single node unless configured otherwise). */
public final class KafkaEndpoint extends BrokerEndpoint {
    private final String bootstrapServers;

    public KafkaEndpoint(Origin origin, String bootstrapServers, BrokerControl control) {
        super(BrokerKind.KAFKA, origin, control);
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    }

    /** Value for the clients' {@code bootstrap.servers}, e.g. {@code 127.0.0.1:29092}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String address() {
        return bootstrapServers;
    }
}
