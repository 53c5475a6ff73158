package dev.keel.testbrokers.internal;

import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;

/**
 * A RabbitMQ node the harness started for this JVM alone, so tests may change node-wide settings
 * on it ({@code rabbitmqctl}). Not public API: tests reach it through
 * {@link dev.keel.testbrokers.RabbitEndpoint#rabbitmqctl}.
 */
public interface RabbitNodeControl extends BrokerControl {

    /** Runs {@code rabbitmqctl -n <this node> <args>} and returns its output. */
    String rabbitmqctl(List<String> args) throws IOException;

    /** The port of its TLS listener, when it has one ({@code keel.brokers.tls}). */
    OptionalInt tlsPort();

    /**
     * Writes {@code which} as its TLS listener's certificate into its configuration and restarts it
     * ({@code stop_app}, {@code start_app}: the configuration is read again); only on a node with a TLS listener.
     */
    void restartPresenting(dev.keel.testbrokers.TestCertificates.ServerCertificate which) throws IOException;
}
