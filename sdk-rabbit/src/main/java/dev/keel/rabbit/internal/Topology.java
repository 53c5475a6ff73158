package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.rabbit.QueueType;
import dev.keel.rabbit.internal.TopologyRecord.Entry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declares, describes and deletes topics and groups (see {@link Names}) and knows each topic's
 * partition count. Thread-safe.
 *
 * <p>The partition count N of a topic is what publishers need to route a key to partition
 * {@code KeyHash.laneOf(key, N)}. AMQP cannot read exchange arguments back, so {@code ensure} also
 * keeps N in the broker as the message count of the marker queue {@code T.keel-lanes} (classic,
 * {@code x-max-length=N}, N empty persistent messages, never consumed). A process that did not
 * declare the topic reads N with one passive declare of that queue. The topic's other settings and
 * its groups are kept in {@link TopologyRecord} {@code T.keel-topology}, read when declaring,
 * describing and deleting. Declaring a topic again with another N, replication factor or
 * min-in-sync count fails with a {@link TopologyException} before anything is declared; other
 * queue arguments that differ (the queue type) are refused by the broker and reported the same way.
 */
public final class Topology {

    private static final Logger LOG = LoggerFactory.getLogger(Topology.class);
    private static final int NOT_FOUND = 404;
    private static final int PRECONDITION_FAILED = 406;

    private final ManagedConnection connection;
    private final QueueType queueType;
    private final int defaultPartitions;
    private final Map<String, Integer> lanes = new ConcurrentHashMap<>();
    private final Set<String> declaredGroups = ConcurrentHashMap.newKeySet();

    public Topology(ManagedConnection connection, QueueType queueType, int defaultPartitions) {
        this.connection = connection;
        this.queueType = queueType;
        this.defaultPartitions = defaultPartitions;
    }

    /**
     * Declares the topic as {@code spec} says: exchange, partition-count marker, and per group its
     * partition queues, bindings, member queue and dead-letter pair; then records it. An existing
     * topic with other settings fails with a {@link TopologyException} naming both.
     */
    public void ensure(TopicSpec spec) {
        String topic = spec.name();
        checkFits(spec);
        QueuePriorities.checkSupported(spec, queueType);
        Map<String, Entry> recorded = record(topic);
        List<String> differences = new ArrayList<>();
        int marked = markerCount(topic);
        if (marked > 0 && marked != spec.partitions()) {
            differences.add("partitions " + marked + " (requested " + spec.partitions() + ")");
        }
        Entry declared = recorded.get(TopologyRecord.TOPIC);
        if (declared != null && declared.replicationFactor() != spec.replicationFactor()) {
            differences.add("replication factor " + declared.replicationFactor() + " (requested "
                    + spec.replicationFactor() + ")");
        }
        if (declared != null && declared.minInSyncReplicas() != spec.minInSyncReplicas()) {
            differences.add("minInSyncReplicas " + declared.minInSyncReplicas() + " (requested "
                    + spec.minInSyncReplicas() + ")");
        }
        if (declared != null && declared.maxPriority() != spec.maxPriority()) {
            differences.add("maxPriority " + declared.maxPriority() + " (requested " + spec.maxPriority()
                    + "; RabbitMQ cannot change the x-max-priority of existing queues)");
        }
        if (!differences.isEmpty()) {
            throw new TopologyException(topic, "RabbitMQ topic '" + topic + "' exists with other settings: "
                    + String.join(", ", differences) + ". Keel does not change an existing topic (other partition "
                    + "counts would move keys to other partition queues): declare it as it is, or delete it "
                    + "(deleteTopology) or use another name");
        }
        declare(spec, recorded);
    }

    /**
     * Declares one group's queues on an existing topic with {@code n} partitions, unless the topic's
     * record already has the group (another process declared it: its queues are used as they are);
     * once per process.
     */
    public void ensureGroup(String topic, String group, int n) {
        Names.checkFits(topic, group, n);
        if (declaredGroups.contains(topic + '\n' + group)) {
            return;
        }
        Map<String, Entry> recorded = record(topic);
        if (!recorded.containsKey(group)) {
            Entry settings = recorded.getOrDefault(TopologyRecord.TOPIC, new Entry(TopologyRecord.TOPIC, n,
                    TopicSpec.DEFAULT_REPLICATION_FACTOR, TopicSpec.DEFAULT_MIN_IN_SYNC_REPLICAS));
            run(topic, "declare group '" + group + "' of topic '" + topic + "'", channel -> {
                declareGroup(channel, topic, group, n, settings.replicationFactor(), settings.maxPriority());
                TopologyRecord.append(channel, topic, List.of(settings.forGroup(group)));
                return null;
            });
        }
        declaredGroups.add(topic + '\n' + group);
    }

    /**
     * Makes sure {@code deadLetterTopic} exists with {@code group} keeping its messages: an existing
     * one gets the group's partition queues (its partition count is kept); a missing one is
     * declared with the partitions and settings of {@code topic}, and the group.
     */
    public void ensureDeadLetters(String topic, String group, String deadLetterTopic) {
        Names.checkFits(deadLetterTopic, group, 1);
        OptionalInt existing = lanesOf(deadLetterTopic);
        if (existing.isPresent()) {
            ensureGroup(deadLetterTopic, group, existing.getAsInt());
            return;
        }
        int n = lanesOf(topic).orElseThrow(() -> missing(topic, group));
        Entry like = record(topic).getOrDefault(TopologyRecord.TOPIC, new Entry(TopologyRecord.TOPIC, n,
                TopicSpec.DEFAULT_REPLICATION_FACTOR, TopicSpec.DEFAULT_MIN_IN_SYNC_REPLICAS));
        TopicSpec spec = TopicSpec.builder(deadLetterTopic).partitions(n).replicationFactor(like.replicationFactor())
                .minInSyncReplicas(Math.min(like.minInSyncReplicas(), like.replicationFactor())).group(group).build();
        checkFits(spec);
        try {
            declare(spec, record(deadLetterTopic));
            LOG.info("declared dead-letter topic '{}' of topic '{}' ({} partitions) with group '{}'", deadLetterTopic,
                    topic, n, group);
        } catch (TopologyException raced) {
            // another process declared it meanwhile, with its own partition count: use it as it is
            lanes.remove(deadLetterTopic);
            ensureGroup(deadLetterTopic, group, lanesOf(deadLetterTopic).orElseThrow(() -> raced));
        }
    }

    /**
     * The topic's partition count: as declared in this process, else as its marker queue says, else
     * {@link dev.keel.rabbit.RabbitConfig#defaultPartitions()} when the exchange exists without a
     * marker; empty when the topic's exchange does not exist. Found counts are remembered.
     *
     * @throws BrokerUnavailableException (retriable) while another process is declaring the topic
     */
    public OptionalInt lanesOf(String topic) {
        Integer known = lanes.get(topic);
        if (known != null) {
            return OptionalInt.of(known);
        }
        int marked = markerCount(topic);
        if (marked == 0) {
            throw new BrokerUnavailableException("topic '" + topic + "' is being declared by another process;"
                    + " try again in a moment", null);
        }
        if (marked > 0) {
            lanes.putIfAbsent(topic, marked);
            return OptionalInt.of(marked);
        }
        if (!exchangeExists(topic)) {
            return OptionalInt.empty();
        }
        lanes.putIfAbsent(topic, defaultPartitions);
        return OptionalInt.of(defaultPartitions);
    }

    /**
     * The topic as the broker has it: partitions from the marker (else the record, else the
     * default), replication and min-in-sync count and groups from the record; empty when its
     * exchange does not exist.
     */
    public Optional<TopicSpec> describe(String topic) {
        int marked = markerCount(topic);
        if (marked < 0 && !exchangeExists(topic)) {
            return Optional.empty();
        }
        Map<String, Entry> recorded = record(topic);
        Entry declared = recorded.get(TopologyRecord.TOPIC);
        int partitions = marked > 0 ? marked : declared != null ? declared.partitions() : defaultPartitions;
        TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(partitions);
        if (declared != null) {
            spec.maxPriority(declared.maxPriority()).replicationFactor(declared.replicationFactor())
                    .minInSyncReplicas(Math.min(declared.minInSyncReplicas(), declared.replicationFactor()));
        }
        recorded.keySet().stream().filter(group -> !group.equals(TopologyRecord.TOPIC)).forEach(spec::group);
        return Optional.of(spec.build());
    }

    /**
     * Deletes the exchange, the marker and record queues, and for every recorded group its
     * partition queues, dead-letter pair and member queue, with their messages. Deleting what
     * does not exist does nothing.
     */
    public void delete(String topic) {
        Map<String, Entry> recorded = record(topic);
        int marked = markerCount(topic);
        run(topic, "delete topic '" + topic + "'", channel -> {
            for (Entry entry : recorded.values()) {
                if (entry.group().equals(TopologyRecord.TOPIC)) {
                    continue;
                }
                String group = entry.group();
                int n = Math.max(entry.partitions(), marked);
                for (int partition = 0; partition < n; partition++) {
                    channel.queueDelete(Names.laneQueue(topic, group, partition));
                }
                channel.queueDelete(Names.deadLetterQueue(topic, group));
                channel.exchangeDelete(Names.deadLetterExchange(topic, group));
                channel.queueDelete(Names.membersQueue(topic, group));
            }
            channel.queueDelete(Names.lanesMarker(topic));
            channel.queueDelete(Names.topologyRecord(topic));
            channel.exchangeDelete(Names.exchange(topic));
            return null;
        });
        lanes.remove(topic);
        declaredGroups.removeIf(key -> key.startsWith(topic + '\n'));
        LOG.info("deleted topic '{}' and the queues of its groups {}", topic,
                recorded.keySet().stream().filter(g -> !g.isEmpty()).toList());
    }

    /** How many consumers are registered on the group's member queue (running members of the group). */
    public int memberCount(String topic, String group) {
        return run(topic, "count the members of group '" + group + "'",
                channel -> channel.queueDeclarePassive(Names.membersQueue(topic, group)).getConsumerCount());
    }

    /** Forgets every partition count (an exchange vanished), so the next publishes ask the broker again. */
    public void forgetLanes() {
        lanes.clear();
        declaredGroups.clear();
    }

    private void declare(TopicSpec spec, Map<String, Entry> recorded) {
        String topic = spec.name();
        int n = spec.partitions();
        List<Entry> entries = new ArrayList<>();
        Entry settings = Entry.topic(spec);
        if (!recorded.containsKey(TopologyRecord.TOPIC)) {
            entries.add(settings);
        }
        for (String group : spec.groups()) {
            if (!recorded.containsKey(group)) {
                entries.add(settings.forGroup(group));
            }
        }
        run(topic, "declare topic '" + topic + "'", channel -> {
            channel.exchangeDeclare(Names.exchange(topic), BuiltinExchangeType.DIRECT, true, false, Map.of());
            declareMarker(channel, topic, n);
            for (String group : spec.groups()) {
                declareGroup(channel, topic, group, n, spec.replicationFactor(), spec.maxPriority());
            }
            TopologyRecord.append(channel, topic, entries);
            return null;
        });
        lanes.put(topic, n);
        for (String group : spec.groups()) {
            declaredGroups.add(topic + '\n' + group);
        }
    }

    private static void checkFits(TopicSpec spec) {
        for (String group : spec.groups()) {
            Names.checkFits(spec.name(), group, spec.partitions());
        }
        Names.checkFits(spec.name(), "g", spec.partitions());
    }

    /** The marker queue's message count: N, 0 while being declared, -1 when there is no marker. */
    private int markerCount(String topic) {
        return run(topic, "look up topic '" + topic + "'", channel -> {
            try {
                return channel.queueDeclarePassive(Names.lanesMarker(topic)).getMessageCount();
            } catch (IOException e) {
                if (replyCode(e) == NOT_FOUND) {
                    return -1;
                }
                throw e;
            }
        });
    }

    private boolean exchangeExists(String topic) {
        return run(topic, "look up topic '" + topic + "'", channel -> {
            try {
                channel.exchangeDeclarePassive(Names.exchange(topic));
                return true;
            } catch (IOException e) {
                if (replyCode(e) == NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** The topic's record; empty when it has none (not declared, or declared by an older release). */
    private Map<String, Entry> record(String topic) {
        return run(topic, "read the topology of topic '" + topic + "'", channel -> {
            try {
                return TopologyRecord.read(channel, topic);
            } catch (IOException e) {
                if (replyCode(e) == NOT_FOUND) {
                    return Map.of();
                }
                throw e;
            }
        });
    }

    private static KeelException missing(String topic, String group) {
        return new KeelException("topic '" + topic + "' does not exist on RabbitMQ: declare it (with group '" + group
                + "') with ensureTopology before subscribing", false);
    }

    private void declareMarker(Channel channel, String topic, int n) throws IOException {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", QueueType.CLASSIC.argument());
        args.put("x-max-length", n);
        args.put("x-overflow", "drop-head");
        String marker = Names.lanesMarker(topic);
        int count = channel.queueDeclare(marker, true, false, false, args).getMessageCount();
        if (count >= n) {
            return;
        }
        // one transaction, so that readers see 0 (declaration in progress) or N, not a count between
        channel.txSelect();
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        for (int i = 0; i < n; i++) {
            channel.basicPublish("", marker, persistent, new byte[0]);
        }
        channel.txCommit();
    }

    private void declareGroup(Channel channel, String topic, String group, int n, int replicationFactor,
                              int maxPriority) throws IOException {
        String dlx = Names.deadLetterExchange(topic, group);
        channel.exchangeDeclare(dlx, BuiltinExchangeType.FANOUT, true, false, Map.of());
        channel.queueDeclare(Names.deadLetterQueue(topic, group), true, false, false, queueArgs(replicationFactor));
        channel.queueBind(Names.deadLetterQueue(topic, group), dlx, "");
        channel.queueDeclare(Names.membersQueue(topic, group), true, false, false,
                Map.of("x-queue-type", QueueType.CLASSIC.argument()));
        Map<String, Object> partitionArgs = queueArgs(replicationFactor);
        partitionArgs.put("x-single-active-consumer", true);
        partitionArgs.put("x-dead-letter-exchange", dlx);
        QueuePriorities.addArgument(partitionArgs, maxPriority);
        for (int partition = 0; partition < n; partition++) {
            String queue = Names.laneQueue(topic, group, partition);
            channel.queueDeclare(queue, true, false, false, partitionArgs);
            channel.queueBind(queue, Names.exchange(topic), Names.routingKey(partition));
        }
    }

    private Map<String, Object> queueArgs(int replicationFactor) {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", queueType.argument());
        if (queueType == QueueType.QUORUM && replicationFactor > 1) {
            args.put("x-quorum-initial-group-size", replicationFactor);
        }
        return args;
    }

    private <T> T run(String topic, String what, ChannelWork<T> work) {
        Channel channel = connection.openChannel();
        try {
            return work.apply(channel);
        } catch (IOException e) {
            if (replyCode(e) == PRECONDITION_FAILED) {
                throw new TopologyException(topic, "cannot " + what + ": RabbitMQ has it with other settings ("
                        + replyText(e) + "). Keel does not change an existing topic: declare it as it is, or delete it"
                        + " (deleteTopology) or use another name", e);
            }
            throw new BrokerUnavailableException("cannot " + what + ": " + describe(e), e);
        } catch (TimeoutException e) {
            throw new BrokerUnavailableException("cannot " + what + ": RabbitMQ did not confirm in time", e);
        } catch (AlreadyClosedException e) {
            throw new BrokerUnavailableException("cannot " + what + ": the connection was lost", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while trying to " + what, e, true);
        } finally {
            closeQuietly(channel);
        }
    }

    static int replyCode(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyCode() : -1;
    }

    private static String replyText(Throwable e) {
        ShutdownSignalException signal = signal(e);
        return signal != null && signal.getReason() instanceof AMQP.Channel.Close close ? close.getReplyText()
                : String.valueOf(e.getMessage());
    }

    private static String describe(IOException e) {
        ShutdownSignalException signal = signal(e);
        return signal != null ? String.valueOf(signal.getMessage()) : String.valueOf(e.getMessage());
    }

    private static ShutdownSignalException signal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s) {
                return s;
            }
        }
        return null;
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException ignored) {
            // the channel is gone either way
        }
    }

    @FunctionalInterface
    private interface ChannelWork<T> {
        T apply(Channel channel) throws IOException, InterruptedException, TimeoutException;
    }
}
