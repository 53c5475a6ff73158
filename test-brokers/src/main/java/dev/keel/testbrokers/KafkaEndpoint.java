package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.internal.BrokerControl;
import java.util.Objects;

/**
 * A Kafka cluster (single node unless configured otherwise). The harness's local Kafka also has a
 * listener advertised through a {@link FaultProxy}, for network fault tests: see
 * {@link #proxiedBootstrapServers()}.
 */
public final class KafkaEndpoint extends BrokerEndpoint {
    private final String bootstrapServers;
    private final FaultProxy proxy;

    public KafkaEndpoint(Origin origin, String bootstrapServers, BrokerControl control) {
        this(origin, bootstrapServers, control, null);
    }

    /**
     * @param proxy a proxy in front of a listener that the broker advertises at the proxy's own
     *              address ({@code 127.0.0.1:<proxy port>}), or {@code null} when there is none
     */
    public KafkaEndpoint(Origin origin, String bootstrapServers, BrokerControl control, FaultProxy proxy) {
        super(BrokerKind.KAFKA, origin, control);
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.proxy = proxy;
    }

    /** Value for the clients' {@code bootstrap.servers}, e.g. {@code 127.0.0.1:29092}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Whether {@link #proxiedBootstrapServers()} and {@link #proxy()} are available: only for the
     * local Kafka the harness starts, not for a configured endpoint or a container.
     */
    public boolean hasProxiedListener() {
        return proxy != null;
    }

    /**
     * Bootstrap servers whose every connection goes through {@link #proxy()}: the broker advertises
     * this listener at the proxy's address, so the connections that clients open after reading the
     * metadata (partition leaders, the group coordinator) pass through the proxy too.
     *
     * @throws FaultInjectionUnsupportedException when this Kafka has no such listener
     */
    public String proxiedBootstrapServers() {
        return proxy().host() + ":" + proxy().port();
    }

    /**
     * The fault proxy in front of the proxied listener. It is shared by every test of the JVM:
     * {@link FaultProxy#heal()} it when done, and never close it.
     *
     * @throws FaultInjectionUnsupportedException when this Kafka has no such listener
     */
    public FaultProxy proxy() {
        if (proxy == null) {
            throw new FaultInjectionUnsupportedException("this Kafka (" + origin() + ") has no listener advertised"
                    + " through a fault proxy: only the harness's local Kafka has one; run with KEEL_BROKERS=local"
                    + " and without KEEL_KAFKA_BOOTSTRAP");
        }
        return proxy;
    }

    @Override
    public String address() {
        return bootstrapServers;
    }
}
