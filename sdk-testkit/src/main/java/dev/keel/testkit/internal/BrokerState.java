package dev.keel.testkit.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.UnroutableException;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testkit.StoredRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state of one in-memory broker: its topics, their consumer groups, the connection switch and
 * the publish faults, all guarded by one lock. Shared by every client of the broker.
 */
public final class BrokerState {

    private final BrokerSettings settings;
    private final DelayTimer delays;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final Map<String, TopicLog> topics = new HashMap<>();
    private final Map<String, Map<String, GroupState>> groups = new HashMap<>();
    private final PublishFaults faults = new PublishFaults();
    private final Rebalancer rebalancer = new Rebalancer(this);
    private boolean connected = true;

    public BrokerState(BrokerSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.delays = new DelayTimer(this, Clock.systemUTC());
    }

    /** Where delayed publishes wait until due. */
    DelayTimer delays() {
        return delays;
    }

    BrokerSettings settings() {
        return settings;
    }

    ReentrantLock lock() {
        return lock;
    }

    /** Signalled whenever a consumer finishes handing a batch to its sink. */
    Condition idle() {
        return idle;
    }

    Rebalancer rebalancer() {
        return rebalancer;
    }

    boolean connected() {
        return connected;
    }

    /** A new client (adapter) of this broker. */
    public InMemoryClient newClient() {
        return new InMemoryClient(this);
    }

    /**
     * Creates the topic, or checks the existing one: fewer partitions than requested, or another
     * replication factor or min-in-sync count, fail with a {@link TopologyException} and change
     * nothing (more partitions are accepted, as on Kafka). Then adds the spec's groups.
     */
    public void ensureTopology(TopicSpec spec) {
        Objects.requireNonNull(spec, "spec");
        lock.lock();
        try {
            TopicLog log = topics.get(spec.name());
            if (log == null) {
                createTopic(spec.name(), spec.partitions(), spec.replicationFactor(), spec.minInSyncReplicas());
            } else {
                check(spec, log);
            }
            for (String group : spec.groups()) {
                group(spec.name(), group);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void check(TopicSpec spec, TopicLog log) {
        List<String> differences = new ArrayList<>();
        if (log.partitionCount() < spec.partitions()) {
            differences.add("partitions " + log.partitionCount() + " (requested " + spec.partitions() + ")");
        }
        if (log.replicationFactor() != spec.replicationFactor()) {
            differences.add("replication factor " + log.replicationFactor() + " (requested "
                    + spec.replicationFactor() + ")");
        }
        if (log.minInSyncReplicas() != spec.minInSyncReplicas()) {
            differences.add("minInSyncReplicas " + log.minInSyncReplicas() + " (requested "
                    + spec.minInSyncReplicas() + ")");
        }
        if (!differences.isEmpty()) {
            throw new TopologyException(spec.name(), "topic '" + spec.name() + "' exists on the in-memory broker with "
                    + "other settings: " + String.join(", ", differences) + ". Declare it as it is, or delete it "
                    + "(deleteTopology) or use another name");
        }
    }

    /** The topic as declared, with its groups; empty when it does not exist. */
    public Optional<TopicSpec> describeTopology(String topic) {
        lock.lock();
        try {
            TopicLog log = topics.get(topic);
            if (log == null) {
                return Optional.empty();
            }
            TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(log.partitionCount())
                    .replicationFactor(log.replicationFactor()).minInSyncReplicas(log.minInSyncReplicas());
            groupsOf(topic).keySet().forEach(spec::group);
            return Optional.of(spec.build());
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the topic, its records and its groups; nothing happens when it does not exist. */
    public void deleteTopology(String topic) {
        lock.lock();
        try {
            topics.remove(topic);
            groups.remove(topic);
        } finally {
            lock.unlock();
        }
    }

    /** Adds partitions to a topic, as an operator growing a Kafka topic would; the groups rebalance. */
    public void addPartitions(String topic, int partitions) {
        List<GroupState> toRebalance = new ArrayList<>();
        lock.lock();
        try {
            TopicLog log = topics.get(topic);
            if (log == null) {
                throw new IllegalArgumentException("topic '" + topic + "' is not declared");
            }
            if (log.grow(partitions)) {
                toRebalance.addAll(groupsOf(topic).values());
            }
        } finally {
            lock.unlock();
        }
        toRebalance.forEach(rebalancer::request);
    }

    /**
     * A consumer of an existing topic (or an auto-created one). Its dead-letter topic, when the
     * settings name one, is created like the consumed topic if it does not exist, and the
     * consumer's group is added to it.
     */
    ConsumerSession newConsumer(ConsumerSettings consumerSettings) {
        lock.lock();
        try {
            TopicLog log = topics.get(consumerSettings.topic());
            if (log == null) {
                if (!settings.autoCreateTopics()) {
                    throw new TopicNotFoundException(consumerSettings.topic(), "topic '" + consumerSettings.topic()
                            + "' is not declared on the in-memory broker: declare it with ensureTopology first (or "
                            + "build the broker with autoCreateTopics(true))");
                }
                log = createTopic(consumerSettings.topic(), settings.autoCreatePartitions());
            }
            Optional<String> deadLetters = consumerSettings.deadLetterTopic();
            if (deadLetters.isPresent()) {
                if (!topics.containsKey(deadLetters.get())) {
                    createTopic(deadLetters.get(), log.partitionCount(), log.replicationFactor(),
                            log.minInSyncReplicas());
                }
                group(deadLetters.get(), consumerSettings.group());
            }
            String groupName = consumerSettings.broadcastInstance().map(i -> consumerSettings.group() + "." + i)
                    .orElse(consumerSettings.group()); // broadcast: a group of this instance's own
            boolean newBroadcastGroup = consumerSettings.broadcast()
                    && !groupsOf(consumerSettings.topic()).containsKey(groupName);
            GroupState state = group(consumerSettings.topic(), groupName);
            if (newBroadcastGroup) { // a new broadcast instance reads what is published from now on, as on the brokers
                for (int p = 0; p < log.partitionCount(); p++) {
                    state.commit(p, log.endOffset(p));
                }
            }
            return new ConsumerSession(this, consumerSettings, state);
        } finally {
            lock.unlock();
        }
    }

    CompletableFuture<PublishReceipt> publish(InMemoryProducer producer, OutboundRecord record) {
        CompletableFuture<PublishReceipt> receipt = new CompletableFuture<>();
        Deferred after = new Deferred();
        lock.lock();
        try {
            KeelException injected;
            if (producer.isClosed()) {
                after.fail(receipt, new ClosedException("the in-memory broker's producer is closed"));
            } else if (!connected) {
                after.fail(receipt, dropped());
            } else if ((injected = faults.takeFailure(record)) != null) {
                after.fail(receipt, injected);
            } else if (faults.holding()) {
                faults.add(new PublishFaults.Held(producer, record, receipt));
            } else {
                route(record, receipt, after);
            }
        } finally {
            lock.unlock();
        }
        after.run();
        return receipt;
    }

    /** Fails the publishes {@code producer} has held: it is closing. */
    void failHeld(InMemoryProducer producer) {
        Deferred after = new Deferred();
        lock.lock();
        try {
            for (PublishFaults.Held held : faults.drain(producer)) {
                after.fail(held.receipt(), new ClosedException("the in-memory broker's producer closed while this "
                        + "publish was held"));
            }
        } finally {
            lock.unlock();
        }
        after.run();
    }

    private void route(OutboundRecord record, CompletableFuture<PublishReceipt> receipt, Deferred after) {
        TopicLog log = topics.get(record.topic());
        if (log == null && settings.autoCreateTopics()) {
            log = createTopic(record.topic(), settings.autoCreatePartitions());
        }
        if (log == null) {
            after.fail(receipt, new UnroutableException("topic '" + record.topic() + "' is not declared on the "
                    + "in-memory broker: declare it with ensureTopology first"));
            return;
        }
        StoredRecord stored = log.append(log.route(record.key()), record);
        if (faults.takeDuplicate()) {
            log.appendCopy(stored);
        }
        wakeConsumers(record.topic());
        PublishReceipt confirmed = new PublishReceipt(record.topic(), record.id(), String.valueOf(stored.partition()),
                stored.offset());
        after.add(() -> receipt.complete(confirmed));
    }

    private TopicLog createTopic(String name, int partitions) {
        return createTopic(name, partitions, TopicSpec.DEFAULT_REPLICATION_FACTOR,
                TopicSpec.DEFAULT_MIN_IN_SYNC_REPLICAS);
    }

    private TopicLog createTopic(String name, int partitions, int replicationFactor, int minInSyncReplicas) {
        if (!TopicSpec.isValidName(name)) {
            throw new IllegalArgumentException("topic name must be 1-200 characters of [A-Za-z0-9._-], was '" + name
                    + "'");
        }
        TopicLog log = new TopicLog(name, partitions, replicationFactor, minInSyncReplicas);
        topics.put(name, log);
        return log;
    }

    private GroupState group(String topic, String group) {
        return groupsOf(topic).computeIfAbsent(group, g -> new GroupState(g, topics.get(topic)));
    }

    private Map<String, GroupState> groupsOf(String topic) {
        return groups.computeIfAbsent(topic, t -> new HashMap<>());
    }

    private void wakeConsumers(String topic) {
        for (GroupState group : groupsOf(topic).values()) {
            for (ConsumerSession member : group.members()) {
                member.wake();
            }
        }
    }

    private static BrokerUnavailableException dropped() {
        return new BrokerUnavailableException("the in-memory broker's connection is dropped (injected fault): "
                + "retry after it is restored", null);
    }

    // ---- faults --------------------------------------------------------------------------------

    public void failNextPublishes(int count, KeelException error) {
        withLock(() -> faults.failNext(count, error));
    }

    public void failPublishesTo(String topic, KeelException error) {
        withLock(() -> faults.failTopic(topic, error));
    }

    public void failPublishesLargerThan(int maxBytes, KeelException error) {
        withLock(() -> faults.failLargerThan(maxBytes, error));
    }

    public void duplicateNextPublishes(int count) {
        withLock(() -> faults.duplicateNext(count));
    }

    public void holdPublishes() {
        withLock(faults::hold);
    }

    public int heldPublishes() {
        lock.lock();
        try {
            return faults.heldCount();
        } finally {
            lock.unlock();
        }
    }

    /** Stores and confirms every held publish, in order; returns how many there were. */
    public int releasePublishes() {
        Deferred after = new Deferred();
        int count;
        lock.lock();
        try {
            List<PublishFaults.Held> released = faults.release();
            count = released.size();
            for (PublishFaults.Held held : released) {
                if (held.producer().isClosed()) {
                    after.fail(held.receipt(), new ClosedException("the in-memory broker's producer is closed"));
                } else {
                    route(held.record(), held.receipt(), after);
                }
            }
        } finally {
            lock.unlock();
        }
        after.run();
        return count;
    }

    /**
     * Drops every connection: held publishes fail, publishes fail retriably, consumers lose their
     * partitions without committing (their unacknowledged records will be redelivered) until
     * {@link #restoreConnection()}.
     */
    public void dropConnection() {
        Deferred after = new Deferred();
        lock.lock();
        try {
            connected = false;
            for (PublishFaults.Held held : faults.drain()) {
                after.fail(held.receipt(), dropped());
            }
            for (Map<String, GroupState> byName : groups.values()) {
                for (GroupState group : byName.values()) {
                    for (ConsumerSession member : group.members()) {
                        member.releaseAll(false);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        after.run();
    }

    public void restoreConnection() {
        List<GroupState> all = new ArrayList<>();
        lock.lock();
        try {
            connected = true;
            groups.values().forEach(byName -> all.addAll(byName.values()));
        } finally {
            lock.unlock();
        }
        all.forEach(rebalancer::request);
    }

    public boolean isConnected() {
        lock.lock();
        try {
            return connected;
        } finally {
            lock.unlock();
        }
    }

    /** Aborts the oldest member of the group as if its process died; false when it has none. */
    public boolean crashMember(String topic, String group) {
        ConsumerSession victim;
        lock.lock();
        try {
            GroupState state = groups.getOrDefault(topic, Map.of()).get(group);
            if (state == null || state.members().isEmpty()) {
                return false;
            }
            victim = state.members().get(0);
        } finally {
            lock.unlock();
        }
        victim.abort();
        return true;
    }

    public StoredRecord duplicateRecord(String topic, int partition, long offset) {
        lock.lock();
        try {
            TopicLog log = topics.get(topic);
            if (log == null) {
                throw new IllegalArgumentException("topic '" + topic + "' is not declared");
            }
            StoredRecord copy = log.appendCopy(log.get(partition, offset));
            wakeConsumers(topic);
            return copy;
        } finally {
            lock.unlock();
        }
    }

    public void clearPublishFaults() {
        withLock(faults::clear);
    }

    // ---- inspection ----------------------------------------------------------------------------

    public Set<String> topics() {
        lock.lock();
        try {
            return new TreeSet<>(topics.keySet());
        } finally {
            lock.unlock();
        }
    }

    public List<StoredRecord> records(String topic) {
        lock.lock();
        try {
            TopicLog log = topics.get(topic);
            return log == null ? List.of() : List.copyOf(log.all());
        } finally {
            lock.unlock();
        }
    }

    public Map<Integer, Long> committedOffsets(String topic, String group) {
        lock.lock();
        try {
            GroupState state = groups.getOrDefault(topic, Map.of()).get(group);
            return state == null ? Map.of() : Collections.unmodifiableMap(state.committedOffsets());
        } finally {
            lock.unlock();
        }
    }

    public int memberCount(String topic, String group) {
        lock.lock();
        try {
            GroupState state = groups.getOrDefault(topic, Map.of()).get(group);
            return state == null ? 0 : state.members().size();
        } finally {
            lock.unlock();
        }
    }

    /** The topic's log, or null; under {@link #lock()}. */
    TopicLog log(String topic) {
        return topics.get(topic);
    }

    /** The group of the topic, created when missing; under {@link #lock()}. */
    GroupState groupOf(String topic, String group) {
        return group(topic, group);
    }

    private void withLock(Runnable action) {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }
}
