package dev.keel.jms.internal;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import jakarta.jms.ConnectionFactory;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What both ActiveMQ adapters do alike: topology through their {@link JmsTopology}, one producer over send lanes
 * (opened on first use), a group member per subscription, and closing what they opened, the producer's sends in hand
 * first. The public adapters add their configuration, capabilities and documentation.
 */
public final class JmsAdapterCore implements AutoCloseable {
    private final String brokerName;
    private final JmsDialect dialect;
    private final ConnectionFactory factory;
    private final JmsTopology admin;
    private final Routes routes;
    private final Runnable closeFactory;
    private final Function<Routes, JmsProducer> producers;
    private JmsProducer producer;
    private boolean closed;

    /**
     * @param brokerName   the broker line, for error messages ({@code ActiveMQ Artemis})
     * @param closeFactory closes the connection factories, when the client's factories hold resources of their own
     * @param producers    makes the producer, given the routes it checks (synchronous or pipelined sends)
     */
    public JmsAdapterCore(String brokerName, JmsDialect dialect, ConnectionFactory factory, JmsTopology admin,
                          Runnable closeFactory, Function<Routes, JmsProducer> producers) {
        this.brokerName = brokerName;
        this.dialect = dialect;
        this.factory = factory;
        this.admin = admin;
        this.routes = new Routes(admin::routablePartitions, System::nanoTime);
        this.closeFactory = closeFactory;
        this.producers = producers;
    }

    public void ensureTopology(TopicSpec topic) {
        ensureOpen();
        admin.ensure(topic);
    }

    public Optional<TopicSpec> describeTopology(String topic) {
        ensureOpen();
        return admin.describe(Objects.requireNonNull(topic, "topic"));
    }

    public void deleteTopology(String topic) {
        ensureOpen();
        admin.delete(Objects.requireNonNull(topic, "topic"));
        routes.forget(topic);
    }

    public synchronized BrokerProducer producer() {
        ensureOpen();
        if (producer == null) {
            producer = producers.apply(routes);
        }
        return producer;
    }

    public BrokerConsumer consumer(ConsumerSettings settings) {
        ensureOpen();
        if (settings.broadcast() || settings.shared()) { // the engine refuses both first: not declared
            throw new UnsupportedOperationException("the " + brokerName + " adapter does not offer broadcast or shared "
                    + "subscriptions yet");
        }
        return new JmsConsumer(settings, dialect, factory, admin);
    }

    @Override
    public void close() {
        JmsProducer p;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            p = producer;
        }
        if (p != null) {
            p.close();
        }
        admin.close();
        closeFactory.run();
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the adapter is closed");
        }
    }
}
