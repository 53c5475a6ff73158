package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;

import java.util.Objects;

/**
 * A running broker handed to a test: its address (in the subclass) and, when the harness owns it,
 * fault injection. One instance per broker kind is shared by every test class in the JVM, so tests
 * isolate themselves with {@link UniqueNames}.
 */
public abstract class BrokerEndpoint {
    private final BrokerKind kind;
    private final Origin origin;
    private final BrokerControl control;

    protected BrokerEndpoint(BrokerKind kind, Origin origin, BrokerControl control) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.control = Objects.requireNonNull(control, "control");
    }

    public final BrokerKind kind() {
        return kind;
    }

    public final Origin origin() {
        return origin;
    }

    /** Whether {@link #kill()} and {@link #restart()} work here (local processes and the RabbitMQ service). */
    public final boolean supportsFaults() {
        return control.supportsFaults();
    }

    /**
     * Ends the broker abruptly and returns once it is gone: kill -9 of the broker process (Kafka,
     * the RocketMQ broker, Redis) or {@code rabbitmqctl stop_app} for the RabbitMQ service.
     *
     * @throws FaultInjectionUnsupportedException when the harness does not own the broker
     */
    public final void kill() {
        control.kill();
    }

    /**
     * Starts the broker again with the same ports and data directory (kills it first if it still
     * runs) and returns once it serves. Redis comes back empty.
     *
     * @throws FaultInjectionUnsupportedException when the harness does not own the broker
     * @throws BrokerStartException when it does not come back in time
     */
    public final void restart() {
        control.restart();
    }

    /** The broker's control, for the fault injections of one kind of broker ({@link RocketEndpoint#pause()}). */
    final BrokerControl control() {
        return control;
    }

    /** The address clients connect to, without credentials. */
    public abstract String address();

    @Override
    public String toString() {
        return kind.displayName() + "[" + origin + " " + address() + "]";
    }
}
