package dev.keel.kafka;

import dev.keel.ClosedException;
import dev.keel.TopicSpec;
import dev.keel.kafka.internal.ClientProperties;
import dev.keel.kafka.internal.KafkaReceiver;
import dev.keel.kafka.internal.KafkaSender;
import dev.keel.kafka.internal.TopicAdmin;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keel on Apache Kafka (kafka-clients 4.x).
 *
 * <ul>
 *   <li>Publishing: one shared idempotent producer with {@code acks=all}; a publish completes with
 *   the partition and offset once the broker acknowledged it. The Keel key is the record key, so
 *   Kafka's own partitioner places it and plain Kafka consumers see the same partitioning. A
 *   publish to a topic that does not exist fails with {@link dev.keel.UnroutableException} (unless
 *   {@link KafkaConfig#topicAutoCreation()}).</li>
 *   <li>Consuming: one poll thread per subscription, auto-commit off; only the highest contiguous
 *   acknowledged offset per partition is committed (asynchronously while running, synchronously on
 *   revoke and close); backpressure pauses partitions while polling goes on; a rebalance lets the
 *   engine finish or drop the revoked partitions' work, commits, then gives them up.</li>
 *   <li>{@link #ensureTopology} creates the topic and its dead-letter topic with the Admin client.</li>
 * </ul>
 *
 * <p>Thread-safe. Closing it closes the producer and admin client; consumers are closed by their
 * subscriptions.
 */
public final class KafkaAdapter implements BrokerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAdapter.class);

    private final KafkaConfig config;
    private final Set<Capability> capabilities;
    private TopicAdmin admin;
    private KafkaSender producer;
    private boolean closed;

    public KafkaAdapter(KafkaConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        EnumSet<Capability> caps = EnumSet.of(Capability.CONSUMER_GROUPS, Capability.REDELIVERY,
                Capability.KEY_ORDERING);
        if (!config.topicAutoCreation()) {
            caps.add(Capability.UNROUTABLE_DETECTION);
        }
        this.capabilities = Set.copyOf(caps);
        LOG.debug("Kafka adapter configured: {}", config);
    }

    public KafkaConfig config() {
        return config;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    /**
     * Creates the topic with the spec's partitions, replication factor and {@code min.insync.replicas},
     * and its dead-letter topic ({@link KafkaConfig#deadLetterSuffix()}) alike; existing topics are
     * left as they are. Consumer groups need no declaration on Kafka. Returns once the topics are usable.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        Objects.requireNonNull(topic, "topic");
        admin().ensure(topic, config.deadLetterSuffix());
    }

    @Override
    public synchronized BrokerProducer producer() {
        ensureOpen();
        if (producer == null) {
            producer = new KafkaSender(config, admin());
        }
        return producer;
    }

    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        synchronized (this) {
            ensureOpen();
        }
        return new KafkaReceiver(config, settings);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    private synchronized TopicAdmin admin() {
        ensureOpen();
        if (admin == null) {
            admin = new TopicAdmin(ClientProperties.admin(config), config.deliveryTimeout());
        }
        return admin;
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("the Kafka adapter is closed");
        }
    }

    @Override
    public String toString() {
        return "KafkaAdapter{" + config + "}";
    }
}
