package dev.keel.jms;

import dev.keel.TopicSpec;
import dev.keel.jms.internal.ArtemisDialect;
import dev.keel.jms.internal.CoreAdmin;
import dev.keel.jms.internal.JmsAdapterCore;
import dev.keel.jms.internal.JmsProducer;
import dev.keel.jms.internal.Pipelining;
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
    private final JmsAdapterCore core;

    /** An adapter for the broker {@code config} names; connections open on first use. */
    public ArtemisAdapter(ArtemisConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(config.url());
        factory.setBlockOnDurableSend(true);
        factory.setBlockOnAcknowledge(false);
        ActiveMQConnectionFactory publishing = new ActiveMQConnectionFactory(config.url());
        publishing.setConfirmationWindowSize(CONFIRMATION_WINDOW_BYTES);
        ArtemisDialect dialect = new ArtemisDialect(config);
        this.core = new JmsAdapterCore("ActiveMQ Artemis", dialect, factory, new CoreAdmin(config, dialect.errors()),
                () -> {
                    factory.close();
                    publishing.close();
                },
                // a send the broker leaves unanswered fails after the client's call timeout, as a blocking send would
                routes -> new JmsProducer(publishing, dialect, routes, new Pipelining(PUBLISH_WINDOW,
                        Duration.ofMillis(publishing.getCallTimeout()))));
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
        core.ensureTopology(topic);
    }

    /** The topic's partitions and the groups with a queue on its address; empty when the address does not exist. */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        return core.describeTopology(topic);
    }

    /** True: a topic keeps its messages in a queue per declared group. */
    @Override
    public boolean keepsMessagesPerGroup() {
        return true;
    }

    /** Deletes the topic's queues, with their messages, and its address. */
    @Override
    public void deleteTopology(String topic) {
        core.deleteTopology(topic);
    }

    @Override
    public BrokerProducer producer() {
        return core.producer();
    }

    /**
     * A member of the group's queue. A header filter is applied by the engine (this adapter does not
     * declare {@code BROKER_FILTER} yet): every message reaches the member, the ones that do not match
     * are acknowledged unhandled.
     */
    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        return core.consumer(settings);
    }

    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "ArtemisAdapter{" + config + "}";
    }
}
