package dev.keel.testkit;

import dev.keel.PartitionRewind;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.ReplayAdmin;
import dev.keel.spi.TopologyAdmin;
import dev.keel.testkit.internal.BrokerSettings;
import dev.keel.testkit.internal.BrokerState;
import dev.keel.testkit.internal.InMemoryClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A broker in this process's memory, for engine tests and embedded use, with every
 * {@link Capability} but {@link Capability#BROKER_FILTER} (a subscription's header filter runs in
 * the engine) and {@link Capability#PRIORITY} (its partition logs keep publish order),
 * {@link Capability#IN_PROCESS} included (so a Keel on it without a store
 * chosen uses an in-memory store of its own), and injected faults ({@link FaultInjectable}).
 *
 * <ul>
 *   <li>Topics are partitioned append-only logs. A keyed record goes to partition
 *       {@link dev.keel.spi.support.KeyHash#laneOf KeyHash.laneOf(key, partitions)}, a keyless one
 *       round-robin. A publish is confirmed at once with the partition number (as a string) and the
 *       offset. A publish to a topic never declared with {@link #ensureTopology} fails with
 *       {@link dev.keel.UnroutableException} unless the broker was built with
 *       {@link Builder#autoCreateTopics(boolean) autoCreateTopics(true)}. A consumer whose settings
 *       name a dead-letter topic creates it like the consumed topic when it does not exist, and
 *       adds its group to it.</li>
 *   <li>Consumer groups commit an offset per partition (the contiguous acknowledged prefix). A new
 *       group starts at the beginning. Partition {@code p} belongs to member {@code p mod n} (in
 *       join order); when a member joins or leaves, each moving partition is revoked from its live
 *       owner ({@code DeliverySink.revoke}, waited for up to the consumer's revoke timeout plus a
 *       margin), committed, and handed to the new owner from the committed offset.</li>
 *   <li>Each consumer has a delivery thread handing batches of up to
 *       {@link Builder#maxBatchSize(int)} records, never holding more than
 *       {@code ConsumerSettings.maxInFlight} unacknowledged; {@code pause()} stops it.
 *       {@code close()} commits what was acknowledged and the rest is redelivered to the remaining
 *       members; a member killed by {@link Faults#crashMember} commits nothing more.</li>
 * </ul>
 *
 * <p>This object is itself an adapter (a client of the broker); {@link #connect()} returns more
 * clients of the same broker, for several {@link dev.keel.core.Keel} instances in one test. Whoever
 * creates a client closes it (Keel never closes an adapter it was given). Closing a client, this one
 * included, closes only its producer and consumers: the broker's records stay readable and other
 * clients keep working. Faults come from {@link #faults()}, on every client. Thread-safe.
 */
public final class InMemoryBroker implements BrokerAdapter, TopologyAdmin, ReplayAdmin, FaultInjectable {

    /** Partitions of a topic created by {@link Builder#autoCreateTopics(boolean) auto-creation}. */
    public static final int DEFAULT_AUTO_CREATE_PARTITIONS = TopicSpec.DEFAULT_PARTITIONS;
    /** The most records handed to one {@code DeliverySink.accept}. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;
    /** Added to a consumer's revoke timeout while a rebalance waits for its revoke. */
    public static final Duration DEFAULT_REVOKE_MARGIN = Duration.ofSeconds(1);

    private final BrokerState state;
    private final InMemoryClient client;
    private final Faults faults;

    private InMemoryBroker(BrokerSettings settings) {
        this(new BrokerState(settings));
    }

    private InMemoryBroker(BrokerState state) {
        this.state = state;
        this.client = state.newClient();
        this.faults = new Faults(state);
    }

    /** A broker with the defaults: declared topics only, commit on every ack. */
    public static InMemoryBroker create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Another client (adapter) of this broker, with its own producer and consumers and the same
     * faults and inspection; the caller closes it.
     */
    public InMemoryBroker connect() {
        return new InMemoryBroker(state);
    }

    /** The fault switches of this broker (shared by all its clients). */
    @Override
    public Faults faults() {
        return faults;
    }

    @Override
    public Set<Capability> capabilities() {
        return client.capabilities();
    }

    /**
     * Creates the topic and adds its groups. An existing topic is checked, never changed: fewer
     * partitions than requested, or another replication factor or min-in-sync count, fail with a
     * {@link dev.keel.TopologyException}; more partitions are accepted, as on Kafka.
     */
    @Override
    public void ensureTopology(TopicSpec topic) {
        client.ensureTopology(topic);
    }

    /** The topic as declared (auto-created ones with the defaults), with every group that joined or was declared. */
    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        return client.describeTopology(topic);
    }

    /** Forgets the topic, its records and its groups (close their subscriptions first). */
    @Override
    public void deleteTopology(String topic) {
        client.deleteTopology(topic);
    }

    @Override
    public BrokerProducer producer() {
        return client.producer();
    }

    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        return client.consumer(settings);
    }

    /** Closes this client's producer and consumers; the broker's state stays readable. */
    @Override
    public void close() {
        client.close();
    }

    /** Its logs keep every record: a group goes back to any time. */
    @Override
    public List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        return client.planRewind(topic, group, from);
    }

    @Override
    public void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids) {
        client.readIds(topic, ranges, ids);
    }

    @Override
    public void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        client.rewind(topic, group, rewinds);
    }

    // ---- inspection ----------------------------------------------------------------------------

    /** The names of the topics that exist. */
    public Set<String> topics() {
        return state.topics();
    }

    /** Every record stored in {@code topic}, by partition then offset; empty for an unknown topic. */
    public List<StoredRecord> records(String topic) {
        return state.records(topic);
    }

    /**
     * The committed offset of every partition of {@code topic} for {@code group} (0 where nothing
     * was committed), sorted by partition; empty when the group was never declared nor joined.
     */
    public Map<Integer, Long> committedOffsets(String topic, String group) {
        return state.committedOffsets(topic, group);
    }

    /** How many consumers are live members of {@code group} on {@code topic}. */
    public int memberCount(String topic, String group) {
        return state.memberCount(topic, group);
    }

    @Override
    public String toString() {
        return "InMemoryBroker{topics=" + state.topics() + "}";
    }

    /** Builds an {@link InMemoryBroker}; each value is validated as it is set. */
    public static final class Builder {
        private boolean autoCreateTopics;
        private int autoCreatePartitions = DEFAULT_AUTO_CREATE_PARTITIONS;
        private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
        private boolean commitOnAck = true;
        private Duration revokeMargin = DEFAULT_REVOKE_MARGIN;

        private Builder() {
        }

        /** Whether a publish or consumer for an undeclared topic creates it (default false: unroutable). */
        public Builder autoCreateTopics(boolean autoCreateTopics) {
            this.autoCreateTopics = autoCreateTopics;
            return this;
        }

        /** Partitions of an auto-created topic (default {@value #DEFAULT_AUTO_CREATE_PARTITIONS}). */
        public Builder autoCreatePartitions(int partitions) {
            if (partitions < 1 || partitions > 1024) {
                throw new IllegalArgumentException("autoCreatePartitions must be in [1, 1024], was " + partitions);
            }
            this.autoCreatePartitions = partitions;
            return this;
        }

        /** The most records in one {@code accept} (default {@value #DEFAULT_MAX_BATCH_SIZE}). */
        public Builder maxBatchSize(int maxBatchSize) {
            if (maxBatchSize < 1) {
                throw new IllegalArgumentException("maxBatchSize must be >= 1, was " + maxBatchSize);
            }
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        /**
         * Whether every ack commits the partition's acknowledged prefix at once (default true). With
         * false, offsets are committed only on close and on rebalance, like a long auto-commit
         * interval: an aborted consumer then redelivers everything since its last commit.
         */
        public Builder commitOnAck(boolean commitOnAck) {
            this.commitOnAck = commitOnAck;
            return this;
        }

        /** Added to a consumer's revoke timeout while a rebalance waits (default 1 s). */
        public Builder revokeMargin(Duration revokeMargin) {
            Objects.requireNonNull(revokeMargin, "revokeMargin");
            if (revokeMargin.isNegative()) {
                throw new IllegalArgumentException("revokeMargin must not be negative, was " + revokeMargin);
            }
            this.revokeMargin = revokeMargin;
            return this;
        }

        public InMemoryBroker build() {
            return new InMemoryBroker(new BrokerSettings(autoCreateTopics, autoCreatePartitions, maxBatchSize,
                    commitOnAck, revokeMargin));
        }
    }
}
