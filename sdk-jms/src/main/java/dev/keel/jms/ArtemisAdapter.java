package dev.keel.jms;

import dev.keel.TopicSpec;
import dev.keel.jms.internal.ArtemisDialect;
import dev.keel.jms.internal.CoreAdmin;
import dev.keel.jms.internal.JmsConsumer;
import dev.keel.jms.internal.JmsProducer;
import dev.keel.jms.internal.Pipelining;
import dev.keel.jms.internal.Routes;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.TopologyAdmin;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Keel on ActiveMQ Artemis through Jakarta Messaging 3.1. A topic is a multicast address; each
 * consumer group a durable queue on it ({@code <topic>.<group>}) whose message groups are the
 * messages' keys, so the broker gives each key to one member and Keel's lanes keep its order within
 * the member. A publish is a persistent send that completes once the broker stored the message (sends
 * are pipelined, each lane keeping up to {@value PUBLISH_WINDOW} in flight, each completed by the broker's
 * answer); a message is acknowledged individually after the engine handled it. See docs/activemq.md.
 *
 * <p>Delayed delivery is the broker's scheduled delivery ({@code _AMQ_SCHED_DELIVERY}, no maximum
 * delay); priority is the JMS priority (0 to 9, for every topic). Not declared yet: broker-side
 * filters, broadcast, replay, shared consumption. Non-blocking retry is the engine's retry topic over
 * scheduled delivery.
 */
public final class ArtemisAdapter implements BrokerAdapter, TopologyAdmin {
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.UNROUTABLE_DETECTION,
            Capability.CONSUMER_GROUPS, Capability.REDELIVERY, Capability.KEY_ORDERING, Capability.DELAYED_DELIVERY,
            Capability.NON_BLOCKING_RETRY, Capability.PRIORITY));

    /** Sends in flight per send lane. */
    static final int PUBLISH_WINDOW = 256;
    /**
     * The publishing connections' confirmation window: with one, the broker answers each asynchronous send once it
     * stored the message, and the client calls the send's listener with that answer.
     */
    static final int CONFIRMATION_WINDOW_BYTES = 1024 * 1024;

    private final ArtemisConfig config;
    private final ArtemisDialect dialect;
    private final ActiveMQConnectionFactory factory;
    /** The publishing connections': asynchronous sends answered by the broker once stored. */
    private final ActiveMQConnectionFactory publishing;
    private final CoreAdmin admin;
    private final Routes routes;
    private JmsProducer producer;
    private boolean closed;

    /** An adapter for the broker {@code config} names; connections open on first use. */
    public ArtemisAdapter(ArtemisConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.factory = new ActiveMQConnectionFactory(config.url());
        this.factory.setBlockOnDurableSend(true);
        this.factory.setBlockOnAcknowledge(false);
        this.publishing = new ActiveMQConnectionFactory(config.url());
        this.publishing.setConfirmationWindowSize(CONFIRMATION_WINDOW_BYTES);
        this.dialect = new ArtemisDialect(config);
        this.admin = new CoreAdmin(config, dialect.errors());
        this.routes = new Routes(admin::routablePartitions, System::nanoTime);
    }

    public ArtemisConfig config() {
        return config;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    /**
     * Declares the topic's address and a durable queue per group. Declaring it again does nothing;
     * another partition count for an existing group fails with a {@link dev.keel.TopologyException}.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        ensureOpen();
        admin.ensure(topic);
    }

    /** The topic's partitions and the groups with a queue on its address; empty when the address does not exist. */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        ensureOpen();
        return admin.describe(Objects.requireNonNull(topic, "topic"));
    }

    /** True: a topic keeps its messages in a queue per declared group. */
    @Override
    public boolean keepsMessagesPerGroup() {
        return true;
    }

    /** Deletes the topic's queues, with their messages, and its address. */
    @Override
    public void deleteTopology(String topic) {
        ensureOpen();
        admin.delete(Objects.requireNonNull(topic, "topic"));
        routes.forget(topic);
    }

    @Override
    public synchronized BrokerProducer producer() {
        ensureOpen();
        if (producer == null) {
            // a send the broker leaves unanswered fails after the client's call timeout, as a blocking send would
            producer = new JmsProducer(publishing, dialect, routes, new Pipelining(PUBLISH_WINDOW,
                    Duration.ofMillis(publishing.getCallTimeout())));
        }
        return producer;
    }

    /**
     * A member of the group's queue. A header filter is applied by the engine (this adapter does not
     * declare {@code BROKER_FILTER} yet): every message reaches the member, the ones that do not match
     * are acknowledged unhandled.
     */
    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        ensureOpen();
        if (settings.broadcast() || settings.shared()) { // the engine refuses both first: not declared
            throw new UnsupportedOperationException("the ActiveMQ adapter does not offer broadcast or shared "
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
        factory.close();
        publishing.close();
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the adapter is closed");
        }
    }

    @Override
    public String toString() {
        return "ArtemisAdapter{" + config + "}";
    }
}
