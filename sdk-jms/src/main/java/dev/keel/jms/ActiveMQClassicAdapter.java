package dev.keel.jms;

import dev.keel.TopicSpec;
import dev.keel.jms.internal.ClassicAdmin;
import dev.keel.jms.internal.ClassicDialect;
import dev.keel.jms.internal.ClassicTls;
import dev.keel.jms.internal.JmsAdapterCore;
import dev.keel.jms.internal.JmsProducer;
import dev.keel.jms.internal.JmsSettings;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.TopologyAdmin;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.RedeliveryPolicy;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * Keel on ActiveMQ Classic (6.x) through Jakarta Messaging 3.1. A topic is a virtual topic
 * ({@code VirtualTopic.<topic>}); each consumer group its consumer queue
 * ({@code Consumer.<group>.VirtualTopic.<topic>}), to which the broker copies every message. A key's
 * partition is the message's group, so the broker gives each partition to one member and Keel's
 * lanes keep each key's order within the member; a member hands its partitions back when another
 * joins. A publish is a synchronous persistent send that completes once the broker stored the
 * message; a message is acknowledged individually after the engine handled it. See docs/activemq.md.
 *
 * <p>Delayed delivery is the broker's scheduler ({@code AMQ_SCHEDULED_DELAY}; the broker needs
 * {@code schedulerSupport="true"}, which the adapter checks before the first delayed send); priority
 * is the JMS priority, declared only with {@link ActiveMQClassicConfig#prioritizedQueues()}. Not
 * declared yet: broker-side filters, broadcast, replay, shared consumption. Non-blocking retry is the
 * engine's retry topic over the scheduler.
 */
public final class ActiveMQClassicAdapter implements BrokerAdapter, TopologyAdmin {
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(Capability.UNROUTABLE_DETECTION,
            Capability.CONSUMER_GROUPS, Capability.REDELIVERY, Capability.KEY_ORDERING, Capability.DELAYED_DELIVERY,
            Capability.NON_BLOCKING_RETRY));

    private final ActiveMQClassicConfig config;
    private final Set<Capability> capabilities;
    private final JmsAdapterCore core;

    /** An adapter for the broker {@code config} names; connections open on first use. */
    public ActiveMQClassicAdapter(ActiveMQClassicConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        EnumSet<Capability> declared = EnumSet.copyOf(CAPABILITIES);
        if (config.prioritizedQueues()) {
            declared.add(Capability.PRIORITY);
        }
        this.capabilities = Set.copyOf(declared);
        ClassicTls tls = tls(config);
        ActiveMQConnectionFactory factory = tls.factory(config.url()); // an ActiveMQSslConnectionFactory with material
        factory.setAlwaysSyncSend(true); // every send waits for the broker's answer, persistent or not
        factory.setUseAsyncSend(false);
        factory.setSendTimeout((int) Math.min(Integer.MAX_VALUE, config.sendTimeout().toMillis()));
        factory.setWatchTopicAdvisories(false);
        factory.getPrefetchPolicy().setQueuePrefetch(config.prefetch());
        RedeliveryPolicy redelivery = factory.getRedeliveryPolicy();
        redelivery.setMaximumRedeliveries(RedeliveryPolicy.NO_MAXIMUM_REDELIVERIES); // Keel retries and dead-letters
        JmsSettings settings = new JmsSettings(config.username().orElse(null), config.password().orElse(null),
                config.sendLanes(), config.maxMessageBytes(), config.closeTimeout(), "ActiveMQClassicConfig",
                "keel.activemq");
        ClassicDialect dialect = new ClassicDialect(settings, factory, config.prioritizedQueues(), tls);
        // synchronous sends: Classic answers one connection's persistent sends one at a time, each once stored, so
        // sends kept in flight are no faster (docs/performance.md, "ActiveMQ publishing: synchronous or pipelined")
        ClassicAdmin admin = new ClassicAdmin(config.url(), tls, dialect, config.sendTimeout());
        this.core = new JmsAdapterCore("ActiveMQ Classic", dialect, factory, admin,
                () -> { }, // Classic's connection factory holds nothing of its own
                routes -> new JmsProducer(factory, dialect, routes));
    }

    /** The config's trust and key stores read (again: they were checked at build), or its managers, or none. */
    private static ClassicTls tls(ActiveMQClassicConfig config) {
        if (config.keyManagers().isPresent() || config.trustManagers().isPresent()) {
            return ClassicTls.of(config.keyManagers().map(l -> l.toArray(KeyManager[]::new)).orElse(null),
                    config.trustManagers().map(l -> l.toArray(TrustManager[]::new)).orElse(null));
        }
        ActiveMQClassicConfig.Store trust = config.trustStore().orElse(null);
        ActiveMQClassicConfig.Store key = config.keyStore().orElse(null);
        if (trust == null && key == null) {
            return ClassicTls.none();
        }
        return ClassicTls.fromStores(trust == null ? null : trust.path(), trust == null ? null : trust.type(),
                trust == null ? null : trust.password(), key == null ? null : key.path(),
                key == null ? null : key.type(), key == null ? null : key.password());
    }

    public ActiveMQClassicConfig config() {
        return config;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    /**
     * Declares the topic (its partition count, kept in the name of an empty queue) and a consumer queue per group.
     * Declaring it again does nothing; another partition count fails with a {@link dev.keel.TopologyException}, and so
     * does a group name with a dot, which a virtual topic's consumer queue cannot carry.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        core.ensureTopology(topic);
    }

    /** The topic's partitions and the groups with a consumer queue; empty when Keel did not declare it. */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        return core.describeTopology(topic);
    }

    /** True: a topic keeps its messages in a queue per declared group. */
    @Override
    public boolean keepsMessagesPerGroup() {
        return true;
    }

    /** Deletes the topic's consumer queues, with their messages, its virtual topic and its marker. */
    @Override
    public void deleteTopology(String topic) {
        core.deleteTopology(topic);
    }

    @Override
    public BrokerProducer producer() {
        return core.producer();
    }

    /**
     * A member of the group's queue. A header filter is applied by the engine (this adapter does not declare
     * {@code BROKER_FILTER} yet): every message reaches the member, the ones that do not match are acknowledged
     * unhandled.
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
        return "ActiveMQClassicAdapter{" + config + "}";
    }
}
