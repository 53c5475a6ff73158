package dev.keel.kafka;

import dev.keel.AccessRefusedException;
import dev.keel.ClosedException;
import dev.keel.PartitionRewind;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.kafka.internal.AbortableConsumer;
import dev.keel.kafka.internal.ClientProperties;
import dev.keel.kafka.internal.ClientSetup;
import dev.keel.kafka.internal.DelayForwarder;
import dev.keel.kafka.internal.DelayForwarding;
import dev.keel.kafka.internal.DelayTopics;
import dev.keel.kafka.internal.ForwardingConsumer;
import dev.keel.kafka.internal.KafkaPipeline;
import dev.keel.kafka.internal.KafkaReceiver;
import dev.keel.kafka.internal.KafkaReplay;
import dev.keel.kafka.internal.KafkaSender;
import dev.keel.kafka.internal.ShareGroupAdmin;
import dev.keel.kafka.internal.ShareReceiver;
import dev.keel.kafka.internal.TopicAdmin;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.ReplayAdmin;
import dev.keel.spi.TopologyAdmin;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Consumer;
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
 *   <li>Topology: {@link #ensureTopology} creates the topic with the Admin client and never changes an
 *   existing one; a consumer creates its subscription's dead-letter topic (like the consumed topic)
 *   when it does not exist; {@link #describeTopology} and {@link #deleteTopology} describe and
 *   delete topics.</li>
 *   <li>Delayed delivery: a delayed publish to {@code T} goes to the delay topic {@code T.keel-delay},
 *   created by the first delayed publish; a subscription of {@code T} runs a delay forwarder only once
 *   that topic exists: at once when it exists at subscribe or this adapter created it, otherwise within
 *   {@link KafkaConfig#delayTopicCheckInterval()} (docs/kafka.md, "Delayed delivery").</li>
 * </ul>
 *
 * <p>Thread-safe. Closing it closes the producer and admin client; consumers are closed by their
 * subscriptions.
 */
public final class KafkaAdapter implements BrokerAdapter, TopologyAdmin, ReplayAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAdapter.class);
    /** What {@link #shareGroupId(String)} appends to a Keel group's name. */
    public static final String SHARE_GROUP_SUFFIX = ".share";

    private final KafkaConfig config;
    private final Set<Capability> capabilities;
    private TopicAdmin admin;
    /** Written under the adapter's lock, read without it on the publish path. */
    private volatile KafkaSender producer;
    private DelayForwarding forwarding;
    private volatile boolean closed;

    /** An adapter for the cluster {@code config} names; clients are created on first use. */
    public KafkaAdapter(KafkaConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        EnumSet<Capability> caps = EnumSet.of(Capability.CONSUMER_GROUPS, Capability.REDELIVERY,
                Capability.KEY_ORDERING, Capability.DELAYED_DELIVERY, Capability.REPLAY, Capability.BROADCAST,
                Capability.NON_BLOCKING_RETRY, Capability.TRANSACTIONAL_PIPELINE, Capability.SHARED_CONSUMPTION);
        if (!config.topicAutoCreation()) {
            caps.add(Capability.UNROUTABLE_DETECTION);
        }
        this.capabilities = Set.copyOf(caps);
        LOG.debug("Kafka adapter configured: {}", config);
    }

    /** The configuration this adapter was built with. */
    public KafkaConfig config() {
        return config;
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    /**
     * Creates the topic with the spec's partitions, replication factor and {@code min.insync.replicas}.
     * An existing topic is checked, never changed: fewer partitions than requested, or another
     * replication factor or {@code min.insync.replicas}, fail with a {@link dev.keel.TopologyException};
     * more partitions than requested are accepted (a Kafka topic may have grown) and logged.
     * Consumer groups need no declaration on Kafka. Returns once the topic is usable.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        Objects.requireNonNull(topic, "topic");
        admin().ensure(topic);
    }

    /**
     * Declares the retry topic as {@link #ensureTopology} does, with {@code topic}'s {@code max.message.bytes} (an
     * existing retry topic's lower one is raised to it), so that a retry copy of every record {@code topic} took fits.
     */
    @Override
    public void ensureRetryTopic(String topic, TopicSpec retryTopic) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(retryTopic, "retryTopic");
        admin().ensureDerived(topic, retryTopic);
    }

    /** The topic's partitions, replication factor and {@code min.insync.replicas}; Kafka reports no groups. */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        Objects.requireNonNull(topic, "topic");
        return admin().describe(topic);
    }

    /**
     * Deletes the topic and its delay topic (their consumer groups' offsets go with them) and waits
     * until they are gone.
     */
    @Override
    public void deleteTopology(String topic) {
        Objects.requireNonNull(topic, "topic");
        admin().delete(topic);
        admin().delete(DelayTopics.delayTopic(topic));
        KafkaSender sender;
        synchronized (this) {
            sender = producer;
        }
        if (sender != null) {
            sender.forgetTopic(topic);
        }
    }

    @Override
    public BrokerProducer producer() {
        KafkaSender sender = producer;
        if (sender != null && !closed) {
            return sender; // every publish attempt asks: the common case takes no lock
        }
        return createProducer();
    }

    private synchronized BrokerProducer createProducer() {
        ensureOpen();
        if (producer == null) {
            TopicAdmin topics = admin();
            producer = ClientSetup.create("its producer", config.properties(),
                    () -> new KafkaSender(config, topics, this::delayTopicReady));
        }
        return producer;
    }

    /**
     * A consumer for one subscription. Its dead-letter topic, when the settings name one, is created
     * here if it does not exist (with the consumed topic's settings); subscribing to a topic that
     * does not exist then fails with a {@link dev.keel.TopicNotFoundException}, unless
     * {@link KafkaConfig#topicAutoCreation()}. It creates no delay topic: once started, it runs its
     * topic's delay forwarder from the time the delay topic exists. A {@link ConsumerSettings#shared() shared}
     * consumer is {@link KafkaConfig#shareConsumers()} members of a Kafka share group (docs/kafka.md, "Share
     * groups"); on a cluster without share groups it fails at once with a {@link ShareGroupsUnavailableException}
     * ({@link #requireShareGroups()}), before it creates anything.
     */
    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        synchronized (this) {
            ensureOpen();
        }
        if (settings.shared()) {
            requireShareGroups();
        }
        Optional<TopicSpec> described = admin().describe(settings.topic());
        if (!config.topicAutoCreation() && described.isEmpty()) {
            // a consumer of a missing topic would report itself running, find the topic only at a later metadata
            // refresh once it is declared, and (starting at the end) skip what was published meanwhile
            throw missingTopic(settings.topic(), "subscribing");
        }
        settings.deadLetterTopic().ifPresent(deadLetters ->
                admin().ensureDeadLetterTopic(settings.topic(), deadLetters, config.topicAutoCreation()));
        // delayed delivery: the consumer runs its topic's delay forwarder (group keel-delay-<topic>) once the
        // delay topic exists; the first delayed publish creates it
        String topic = settings.topic();
        TopicAdmin topics = admin();
        AbortableConsumer receiver = settings.shared()
                ? new ShareReceiver(config, settings, shareGroupId(settings.group()), topics,
                        described.map(TopicSpec::partitions).orElse(1))
                : ClientSetup.create("the consumer of " + topic, () -> new KafkaReceiver(config, settings));
        return new ForwardingConsumer(receiver, topic,
                () -> new DelayForwarder(config, topic, defaultDeadLetterTopic(topic), topics, Clock.systemUTC()),
                forwarding());
    }

    /**
     * Checks that the cluster offers share groups (KIP-932): its feature {@code share.version} is finalized at 1 or
     * higher, as a share-group subscription needs. Subscribing checks it too; tools call it to fail early.
     *
     * @throws ShareGroupsUnavailableException (not retriable) when the cluster does not offer them, saying how to
     *                                         enable them
     * @throws dev.keel.KeelException          when the cluster cannot be asked (retriable when it does not answer
     *                                         within {@link KafkaConfig#requestTimeout()})
     */
    public void requireShareGroups() {
        ShareGroupAdmin.requireShareGroups(admin(), config.requestTimeout());
    }

    /**
     * The Kafka share group that a share-group subscription of Keel group {@code group} joins:
     * {@code <group>.share}. Kafka keeps one namespace for groups of every type, so a share group named like
     * the Keel group would lock out the classic groups Keel reads under that name (its dead letters, a
     * subscription of the same group in classic mode during a migration); the group's Kafka settings
     * ({@code share.record.lock.duration.ms}, {@code share.delivery.count.limit}) are set on this name.
     */
    public static String shareGroupId(String group) {
        return Objects.requireNonNull(group, "group") + SHARE_GROUP_SUFFIX;
    }

    /** The adapter's lazy starter of delay forwarders, created with the first consumer. */
    private synchronized DelayForwarding forwarding() {
        ensureOpen();
        if (forwarding == null) {
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
                    DaemonThreads.named(config.clientId() + "-delay-topic-checks"));
            scheduler.setRemoveOnCancelPolicy(true);
            TopicAdmin topics = admin();
            forwarding = new DelayForwarding(topic -> topics.exists(DelayTopics.delayTopic(topic)),
                    config.delayTopicCheckInterval(), scheduler);
        }
        return forwarding;
    }

    /** This adapter's producer made {@code topic}'s delay topic ready: its subscriptions start forwarding now. */
    private void delayTopicReady(String topic) {
        DelayForwarding starter;
        synchronized (this) {
            starter = forwarding;
        }
        if (starter != null) {
            starter.delayTopicReady(topic);
        }
    }

    /**
     * Per partition: the group's committed offset (the end when it has none) and the first offset
     * stored at or after {@code from} (Kafka's {@code offsetsForTimes}: by record timestamp).
     */
    @Override
    public List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        return replay().planRewind(topic, group, from);
    }

    @Override
    public void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids) {
        replay().readIds(topic, ranges, ids);
    }

    /** {@code alterConsumerGroupOffsets}: Kafka refuses it while the group has members. */
    @Override
    public void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        replay().rewind(topic, group, rewinds);
    }

    private KafkaReplay replay() {
        synchronized (this) {
            ensureOpen();
        }
        return new KafkaReplay(config);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (forwarding != null) {
            forwarding.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
    }

    /**
     * Starts a consume-transform-produce loop on Kafka transactions: {@code transform} maps each record of
     * the pipeline's input topic to records for other topics, and each batch's outputs and input offsets
     * commit in one transaction, so {@code read_committed} readers see every input's outputs exactly once.
     * Side effects of the transform outside Kafka are not covered. Yours to close (closing the adapter does
     * not close it). See docs/kafka.md, "Transactional pipelines".
     *
     * <p>Unless {@link KafkaConfig#topicAutoCreation()}, topics are never created on first use, as with a publish
     * and a subscription: a pipeline whose input topic does not exist is refused here with a
     * {@link TopicNotFoundException}, and an output to a topic that does not exist stops the pipeline with an
     * {@link dev.keel.UnroutableException} in {@link TransactionalPipeline#failure()} (its batch aborted, the input
     * not advanced).
     *
     * @throws TopicNotFoundException when the input topic does not exist (unless {@code topicAutoCreation})
     */
    public TransactionalPipeline transactionalPipeline(PipelineConfig pipeline, RecordTransform transform) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(transform, "transform");
        synchronized (this) {
            ensureOpen();
        }
        TopicAdmin topics = admin();
        boolean inputExists;
        try {
            inputExists = config.topicAutoCreation() || topics.existsNow(pipeline.inputTopic());
        } catch (AccessRefusedException refused) {
            throw new AccessRefusedException("Kafka refused transactional pipeline " + pipeline.transactionalId()
                    + " checking that its input topic " + pipeline.inputTopic() + " exists (" + refused.getMessage()
                    + "): grant it READ on Topic:" + pipeline.inputTopic() + " (which implies DESCRIBE); not retried",
                    refused);
        }
        if (!inputExists) {
            throw missingTopic(pipeline.inputTopic(), "starting a transactional pipeline on it");
        }
        return new KafkaPipeline(config, pipeline, transform, topics);
    }

    private static TopicNotFoundException missingTopic(String topic, String before) {
        return new TopicNotFoundException(topic, "topic " + topic + " does not exist on Kafka: declare it with "
                + "ensureTopology before " + before);
    }

    private synchronized TopicAdmin admin() {
        ensureOpen();
        if (admin == null) {
            admin = ClientSetup.create("its admin client", config.properties(),
                    () -> new TopicAdmin(ClientProperties.admin(config), config.deliveryTimeout()));
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
