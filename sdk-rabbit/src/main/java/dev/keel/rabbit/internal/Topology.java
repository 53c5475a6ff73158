package dev.keel.rabbit.internal;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopicNotFoundException;
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
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declares, describes and deletes topics and groups (see {@link Names}) and knows each topic's
 * partition count. Thread-safe.
 *
 * <p>The partition count N of a topic is what publishers need to route a key to partition
 * {@code KeyHash.laneOf(key, N)}. AMQP cannot read exchange arguments back, so {@code ensure} also
 * keeps N in the broker as the message count of the topic's marker queue, and the topic's other
 * settings and its groups in its record queue ({@link TopologyRecord}); each group's member queue
 * counts its running members. These metadata queues ({@link TopicMetadata}) are quorum queues when
 * the partition queues are (they survive the loss of a node), classic ones otherwise and for topics
 * declared by earlier releases, whose metadata a quorum adapter copies into quorum queues when it
 * declares the topic or one of its groups. A process that did not declare the topic reads N with a
 * passive declare of the marker. Declaring a topic again with another N, replication factor or
 * min-in-sync count fails with a {@link TopologyException} before anything is declared; other queue
 * arguments that differ (the queue type) are refused by the broker and reported the same way.
 *
 * <p>Before declaring or using a group's queues, a group claims their names ({@link Names#owner}): a topic and group
 * whose names joined with a dot equal another's (topic {@code a.b}, group {@code g}; topic {@code a}, group
 * {@code b.g}) would share their queues, so the second one is refused with a {@link TopologyException} naming both.
 */
public final class Topology {

    private static final Logger LOG = LoggerFactory.getLogger(Topology.class);
    /** The argument of a group's claim ({@link Names#owner}) that RabbitMQ compares: its owner. */
    private static final String OWNER_ARGUMENT = "alternate-exchange";
    /**
     * The claim's owner in RabbitMQ's refusal: {@code ... but current is 'T.G/<length of T>'} (3.10: {@code current is
     * the value '...' of type 'longstr'}). Another wording leaves the owner unnamed, RabbitMQ's words quoted instead.
     */
    private static final Pattern CURRENT_OWNER = Pattern.compile("current is (?:the value )?'([^']*)/(\\d+)'");

    private final BrokerCalls calls;
    /** For reading the record and the delay index, which take their messages ({@link TopologyRecord#read}). */
    private final ReadLock reads;
    private final TopicMetadata metadata;
    private final QueueType queueType;
    private final int defaultPartitions;
    private final Map<String, Integer> lanes = new ConcurrentHashMap<>();
    private final Set<String> declaredGroups = ConcurrentHashMap.newKeySet();
    /** Runs in {@link #ensureGroup} between the look at what exists and the declaration: a test's way into it. */
    private volatile Runnable afterGroupProbe = () -> { };

    /** Declares and reads on {@code connection}. */
    public Topology(ManagedConnection connection, QueueType queueType, int defaultPartitions) {
        this(connection, connection, queueType, defaultPartitions);
    }

    /**
     * Declares on {@code connection} and reads the topics' records and delay indexes on {@code readConnection}: a read
     * takes a quorum queue's messages with {@code basic.get}, and when the queue's leader does not answer RabbitMQ
     * ends the get after its timeout ({@code net_ticktime} + 5 s: 65 s) by closing the whole connection (541
     * INTERNAL_ERROR), which must not be the one publishes are waiting on.
     */
    public Topology(ManagedConnection connection, ManagedConnection readConnection, QueueType queueType,
                    int defaultPartitions) {
        this.calls = new BrokerCalls(connection);
        this.reads = new ReadLock(new BrokerCalls(readConnection));
        this.metadata = new TopicMetadata(calls, reads, MetadataQueues.writtenWith(queueType));
        this.queueType = queueType;
        this.defaultPartitions = defaultPartitions;
    }

    /**
     * Declares the topic as {@code spec} says: partition-count marker, exchange, and per group its
     * partition queues, bindings, member queue and dead-letter pair; then records it (copying what
     * an earlier release recorded into the quorum form). An existing topic with other settings fails
     * with a {@link TopologyException} naming both.
     */
    public void ensure(TopicSpec spec) {
        String topic = spec.name();
        checkFits(spec);
        QueuePriorities.checkSupported(spec, queueType);
        TopicMetadata.Recorded recorded = metadata.record(topic);
        List<String> differences = new ArrayList<>();
        int marked = metadata.partitions(topic);
        if (marked > 0 && marked != spec.partitions()) {
            differences.add("partitions " + marked + " (requested " + spec.partitions() + ")");
        }
        Entry declared = recorded.topicEntry();
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
     * record already has the group (another process declared it: its queues are used as they are,
     * its member queue declared when missing, and what an earlier release recorded copied into the
     * quorum form); and, whenever the record lists the group, its partition queues and dead-letter pair that
     * RabbitMQ lacks declared again ({@link #heal}).
     */
    public void ensureGroup(String topic, String group, int n) {
        Names.checkFits(topic, group, n);
        boolean claimedNow = claimNames(topic, group);
        TopicMetadata.Recorded recorded = metadata.record(topic);
        if (declaredGroups.contains(topic + '\n' + group) && recorded.entries().containsKey(group)) {
            heal(topic, group, n, recorded.entries().get(group));
            return;
        }
        if (!recorded.entries().containsKey(group)) {
            Entry settings = recorded.entries().getOrDefault(TopologyRecord.TOPIC, new Entry(TopologyRecord.TOPIC, n,
                    TopicSpec.DEFAULT_REPLICATION_FACTOR, TopicSpec.DEFAULT_MIN_IN_SYNC_REPLICAS));
            GroupDeclaration declaration = GroupDeclaration.probe(calls, topic, group, n,
                    metadata.written().members(topic, group));
            afterGroupProbe.run();
            try {
                calls.run(topic, "declare group '" + group + "' of topic '" + topic + "'", channel -> {
                    declareGroup(channel, topic, group, n, settings.replicationFactor(), settings.maxPriority());
                    metadata.append(channel, topic, List.of(settings.forGroup(group)));
                    return null;
                });
            } catch (KeelException refused) {
                // part way through (a queue with other arguments, a name the user may not configure): what this
                // attempt created would route messages to queues nobody consumes, and stay a member queue of no group.
                // Unless another process declared the group meanwhile: then they are its queues, maybe consumed
                if (recordedMeanwhile(topic, group)) {
                    LOG.info("declaring group '{}' of topic '{}' was refused part way, and another process declared "
                            + "the group meanwhile: nothing removed", group, topic);
                } else {
                    declaration.removeCreated(refused);
                    if (claimedNow) {
                        releaseClaim(topic, group, refused);
                    }
                    if (recordedMeanwhile(topic, group)) {
                        // recorded while the removal ran: what was removed may have been that process's queues
                        healQuietly(topic, group, n);
                    }
                }
                if (refused instanceof TopologyException) {
                    TopologyException conflict = new TopologyException(topic, "cannot declare group '" + group + "' of topic '" + topic
                            + "': RabbitMQ has one of its queues with other arguments (" + BrokerCalls.replyText(
                            refused.getCause()) + "). Keel changes no existing queue, and removed what this attempt "
                            + "had declared: delete that queue (declared by another tool, or with another queue "
                            + "type) or subscribe with another group name", refused.getCause());
                    for (Throwable failedRemoval : refused.getSuppressed()) {
                        conflict.addSuppressed(failedRemoval);
                    }
                    throw conflict;
                }
                throw refused;
            }
        } else {
            heal(topic, group, n, recorded.entries().get(group));
            calls.run(topic, "declare the member queue of group '" + group + "' of topic '" + topic + "'",
                    channel -> {
                        metadata.declareMembers(channel, topic, group);
                        return null;
                    });
        }
        metadata.migrate(topic, recorded, n);
        declaredGroups.add(topic + '\n' + group);
    }

    /**
     * Declares again the partition queues and dead-letter pair of {@code group} that RabbitMQ lacks, when the topic's
     * record lists the group (deleted by another tool, or by a refused declaration that raced the one that recorded
     * the group: without them the group would never consume again, every subscribe and reopen failing on a missing
     * queue). Returns whether anything was missing.
     */
    public boolean heal(String topic, String group, int n) {
        Entry declared = metadata.record(topic).entries().get(group);
        return declared != null && heal(topic, group, n, declared);
    }

    private boolean heal(String topic, String group, int n, Entry declared) {
        String membersQueue = metadata.written().members(topic, group);
        List<String> missing = GroupDeclaration.probe(calls, topic, group, n, membersQueue).missingBesides(membersQueue);
        if (missing.isEmpty()) {
            return false;
        }
        LOG.warn("group '{}' of topic '{}' is recorded but RabbitMQ lacks its {}: declaring them again; messages "
                + "published while they were missing did not reach them", group, topic, missing);
        calls.run(topic, "declare again the queues of group '" + group + "' of topic '" + topic + "'", channel -> {
            declareGroup(channel, topic, group, n, declared.replicationFactor(), declared.maxPriority());
            return null;
        });
        return true;
    }

    private void healQuietly(String topic, String group, int n) {
        try {
            heal(topic, group, n);
        } catch (RuntimeException e) {
            LOG.warn("cannot declare again the queues of group '{}' of topic '{}' ({}): its next subscribe does",
                    group, topic, e.toString());
        }
    }

    /** Whether the topic's record lists {@code group} now; true when that cannot be told (nothing is removed then). */
    private boolean recordedMeanwhile(String topic, String group) {
        try {
            return metadata.record(topic).entries().containsKey(group);
        } catch (RuntimeException e) {
            LOG.warn("cannot tell whether another process declared group '{}' of topic '{}': what the refused "
                    + "declaration created is left in place ({})", group, topic, e.toString());
            return true;
        }
    }

    /** Sets what runs in {@link #ensureGroup} between its look at what exists and its declaration (tests only). */
    void afterGroupProbe(Runnable hook) {
        afterGroupProbe = hook;
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
        Entry like = metadata.record(topic).entries().getOrDefault(TopologyRecord.TOPIC,
                new Entry(TopologyRecord.TOPIC, n, TopicSpec.DEFAULT_REPLICATION_FACTOR,
                        TopicSpec.DEFAULT_MIN_IN_SYNC_REPLICAS));
        TopicSpec spec = TopicSpec.builder(deadLetterTopic).partitions(n).replicationFactor(like.replicationFactor())
                .minInSyncReplicas(Math.min(like.minInSyncReplicas(), like.replicationFactor())).group(group).build();
        checkFits(spec);
        try {
            declare(spec, metadata.record(deadLetterTopic));
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
     * marker (in either form); empty when the topic's exchange does not exist (checked when the
     * count is not remembered yet, even with a marker). Found counts are remembered.
     *
     * @throws BrokerUnavailableException (retriable) while another process is declaring the topic, or
     *         while its only marker is a classic queue on a node that is down
     */
    public OptionalInt lanesOf(String topic) {
        Integer known = lanes.get(topic);
        if (known != null) {
            return OptionalInt.of(known);
        }
        int marked = metadata.partitions(topic);
        if (marked == 0) {
            throw new BrokerUnavailableException("topic '" + topic + "' is being declared by another process, or "
                    + "the leader of its partition-count queue '" + metadata.written().marker(topic) + "' does not "
                    + "answer (its count reads 0); try again in a moment", null);
        }
        // a marker without its exchange: the exchange was deleted (by another tool) or is being declared
        if (!exchangeExists(topic)) {
            return OptionalInt.empty();
        }
        int n = marked > 0 ? marked : defaultPartitions;
        lanes.putIfAbsent(topic, n);
        return OptionalInt.of(n);
    }

    /**
     * {@link #lanesOf} for a subscribe: the exchange is looked up on the broker even when this process
     * remembers the topic, since it may have been deleted meanwhile (its group queues and metadata can
     * outlive it, but nothing reaches them); empty, and the topic forgotten, when it does not exist.
     */
    public OptionalInt lanesOfExisting(String topic) {
        if (lanes.containsKey(topic) && !exchangeExists(topic)) {
            lanes.remove(topic);
            declaredGroups.removeIf(declared -> declared.startsWith(topic + '\n'));
            return OptionalInt.empty();
        }
        return lanesOf(topic);
    }

    /**
     * The topic as the broker has it: partitions from the marker (else the record, else the
     * default), replication and min-in-sync count and groups from the record; empty when its
     * exchange does not exist.
     */
    public Optional<TopicSpec> describe(String topic) {
        int marked = metadata.partitions(topic);
        if (marked < 0 && !exchangeExists(topic)) {
            return Optional.empty();
        }
        TopicMetadata.Recorded recorded = metadata.record(topic);
        Entry declared = recorded.topicEntry();
        int partitions = marked > 0 ? marked : declared != null ? declared.partitions() : defaultPartitions;
        TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(partitions);
        if (declared != null) {
            spec.maxPriority(declared.maxPriority()).replicationFactor(declared.replicationFactor())
                    .minInSyncReplicas(Math.min(declared.minInSyncReplicas(), declared.replicationFactor()));
        }
        recorded.entries().keySet().stream().filter(group -> !group.equals(TopologyRecord.TOPIC))
                .forEach(spec::group);
        return Optional.of(spec.build());
    }

    /**
     * Deletes the delay queues of every bucket in the topic's delay index (both queue types) and the
     * index, the exchange, the metadata queues of both forms, and for every recorded group its
     * partition queues, dead-letter pair and member queues, with their messages. The delay queues go
     * first: none of their messages can reach the exchange of a topic declared again under the name.
     * Deleting what does not exist does nothing.
     */
    public void delete(String topic) {
        TopicMetadata.Recorded recorded = metadata.record(topic);
        int marked = metadata.partitions(topic);
        List<String> groups = recorded.entries().keySet().stream().filter(g -> !g.equals(TopologyRecord.TOPIC))
                .toList();
        int partitions = Math.max(marked, recorded.entries().values().stream().mapToInt(Entry::partitions).max()
                .orElse(0));
        int delayPartitions = partitions > 0 ? partitions : defaultPartitions;
        Set<String> claimedByOthers = new TreeSet<>();
        for (String group : groups) {
            try {
                claimNames(topic, group);
            } catch (TopologyException claimed) {
                // declared by an earlier release alongside the group that claimed the names since: they are its queues
                claimedByOthers.add(group);
                LOG.warn("deleting topic '{}': the queues of its group '{}' are kept, another topic's group uses "
                        + "those names ({})", topic, group, claimed.getMessage());
            }
        }
        Set<Long> buckets = delayBuckets(topic);
        calls.run(topic, "delete the delay queues of topic '" + topic + "'", channel -> {
            for (long bucket : buckets) {
                for (int partition = 0; partition < delayPartitions; partition++) {
                    channel.queueDelete(DelayQueues.name(topic, partition, bucket));
                }
            }
            for (QueueType type : QueueType.values()) {
                channel.queueDelete(DelayIndex.queue(topic, type));
            }
            return null;
        });
        calls.run(topic, "delete topic '" + topic + "'", channel -> {
            for (Entry entry : recorded.entries().values()) {
                if (entry.group().equals(TopologyRecord.TOPIC)) {
                    continue;
                }
                String group = entry.group();
                if (claimedByOthers.contains(group)) {
                    continue;
                }
                int n = Math.max(entry.partitions(), marked);
                for (int partition = 0; partition < n; partition++) {
                    channel.queueDelete(Names.laneQueue(topic, group, partition));
                }
                channel.queueDelete(Names.deadLetterQueue(topic, group));
                channel.exchangeDelete(Names.deadLetterExchange(topic, group));
                channel.exchangeDelete(Names.owner(topic, group));
            }
            List<String> owned = groups.stream().filter(g -> !claimedByOthers.contains(g)).toList();
            for (String queue : metadata.queues(topic, owned)) {
                channel.queueDelete(queue);
            }
            channel.exchangeDelete(Names.exchange(topic));
            return null;
        });
        lanes.remove(topic);
        declaredGroups.removeIf(key -> key.startsWith(topic + '\n'));
        metadata.forget(topic);
        LOG.info("deleted topic '{}', the queues of its groups {} and its delay queues of {} buckets", topic, groups,
                buckets.size());
    }

    /** The buckets in the topic's delay indexes of both queue types; none when they do not exist. */
    private Set<Long> delayBuckets(String topic) {
        Set<Long> buckets = new TreeSet<>();
        for (QueueType type : QueueType.values()) {
            String index = DelayIndex.queue(topic, type);
            buckets.addAll(reads.read(topic, index, "read the delay index of topic '" + topic + "'", channel -> {
                try {
                    return DelayIndex.read(channel, index);
                } catch (IOException e) {
                    if (BrokerCalls.replyCode(e) == BrokerCalls.NOT_FOUND && !BrokerCalls.queueNodeDown(e)) {
                        return Set.<Long>of();
                    }
                    throw e;
                }
            }));
        }
        return buckets;
    }

    /** How many members of the group are running (registered on its member queues). */
    public int memberCount(String topic, String group) {
        return metadata.memberCount(topic, group);
    }

    /** The member queue this adapter's consumers of the group register on. */
    public String membersQueue(String topic, String group) {
        return metadata.written().members(topic, group);
    }

    /** Forgets every partition count (an exchange vanished), so the next publishes ask the broker again. */
    public void forgetLanes() {
        lanes.clear();
        declaredGroups.clear();
    }

    private void declare(TopicSpec spec, TopicMetadata.Recorded recorded) {
        String topic = spec.name();
        int n = spec.partitions();
        List<Entry> entries = new ArrayList<>();
        Entry settings = Entry.topic(spec);
        Set<String> inWritten = recorded.inWritten();
        if (!inWritten.contains(TopologyRecord.TOPIC)) {
            entries.add(recorded.entries().getOrDefault(TopologyRecord.TOPIC, settings));
        }
        for (String group : spec.groups()) {
            if (!inWritten.contains(group)) {
                entries.add(recorded.entries().getOrDefault(group, settings.forGroup(group)));
            }
        }
        // groups only an earlier release recorded (not in this spec): copied into the quorum form too
        List<String> others = recorded.missingFromWritten().stream().map(Entry::group)
                .filter(g -> !g.equals(TopologyRecord.TOPIC) && !spec.groups().contains(g)).toList();
        boolean migrating = metadata.written() == MetadataQueues.QUORUM;
        for (String group : spec.groups()) {
            claimNames(topic, group);
        }
        calls.run(topic, "declare topic '" + topic + "'", channel -> {
            // the marker first: a process that sees the exchange also sees the whole marker
            metadata.declareMarker(channel, topic, n);
            channel.exchangeDeclare(Names.exchange(topic), BuiltinExchangeType.DIRECT, true, false, Map.of());
            for (String group : spec.groups()) {
                declareGroup(channel, topic, group, n, spec.replicationFactor(), spec.maxPriority());
            }
            List<Entry> appended = new ArrayList<>(entries);
            if (migrating) {
                for (String group : others) {
                    metadata.declareMembers(channel, topic, group);
                    appended.add(recorded.entries().get(group));
                }
            }
            metadata.append(channel, topic, appended);
            return null;
        });
        lanes.put(topic, n);
        for (String group : spec.groups()) {
            declaredGroups.add(topic + '\n' + group);
        }
    }

    /**
     * Claims the names {@code topic.group.*} for this topic and group ({@link Names#owner}), on a channel of its own
     * (a refusal closes it): declaring the claim again with the same owner does nothing, and creates it for a group
     * declared before claims existed. Returns whether it did not exist before.
     *
     * @throws TopologyException (not retriable) naming both topics and groups when another topic and group whose
     *         names joined with a dot make the same {@code T.G} claimed them first: both would consume the same queues
     */
    private boolean claimNames(String topic, String group) {
        String claim = Names.owner(topic, group);
        boolean existed = calls.exists(topic, "exchange '" + claim + "'", channel -> channel.exchangeDeclarePassive(claim));
        try {
            calls.run(topic, "claim the queue names of group '" + group + "' of topic '" + topic + "'", channel -> {
                channel.exchangeDeclare(claim, BuiltinExchangeType.FANOUT, true, false, true,
                        Map.of(OWNER_ARGUMENT, Names.ownerValue(topic, group)));
                return null;
            });
        } catch (TopologyException refused) {
            throw collision(topic, group, refused);
        }
        return !existed;
    }

    private static TopologyException collision(String topic, String group, TopologyException refused) {
        String joined = topic + "." + group;
        String reply = BrokerCalls.replyText(refused.getCause());
        Matcher current = CURRENT_OWNER.matcher(reply);
        String other = "another topic and group whose names, joined with a dot, also make '" + joined + "' (RabbitMQ: "
                + reply + ")";
        if (current.find() && current.group(1).equals(joined)
                && Integer.parseInt(current.group(2)) < joined.length()) {
            int cut = Integer.parseInt(current.group(2));
            other = "group '" + joined.substring(cut + 1) + "' of topic '" + joined.substring(0, cut) + "'";
        }
        return new TopologyException(topic, "cannot use group '" + group + "' of topic '" + topic + "': its RabbitMQ "
                + "names (" + Names.laneQueue(topic, group, 0) + " ..., " + Names.deadLetterQueue(topic, group) + ", "
                + Names.owner(topic, group) + ") are those of " + other + ", which uses them already (topic and group "
                + "are joined with dots). Both would consume the same queues, each handling part of the other's "
                + "messages, so Keel refuses this one and declared nothing for it: rename this group or this topic "
                + "(a group name without dots cannot collide with a topic's dotted name)", refused.getCause());
    }

    /** Deletes the claim this refused declaration made, unless another process declared the group meanwhile. */
    private void releaseClaim(String topic, String group, Exception refusal) {
        if (recordedMeanwhile(topic, group)) {
            return;
        }
        try {
            calls.run(topic, "remove the claim of group '" + group + "' of topic '" + topic + "'",
                    channel -> channel.exchangeDelete(Names.owner(topic, group)));
        } catch (RuntimeException e) {
            LOG.warn("removing exchange '{}' after the refused declaration of group '{}' of topic '{}' failed: {}",
                    Names.owner(topic, group), group, topic, e.toString());
            refusal.addSuppressed(e);
        }
    }

    private static void checkFits(TopicSpec spec) {
        for (String group : spec.groups()) {
            Names.checkFits(spec.name(), group, spec.partitions());
        }
        Names.checkFits(spec.name(), "g", spec.partitions());
    }

    private boolean exchangeExists(String topic) {
        return calls.run(topic, "look up topic '" + topic + "'",
                channel -> BrokerCalls.exchangeExists(channel, Names.exchange(topic)));
    }

    private static KeelException missing(String topic, String group) {
        return new TopicNotFoundException(topic, "topic '" + topic + "' does not exist on RabbitMQ: declare it (with "
                + "group '" + group + "') with ensureTopology before subscribing");
    }

    private void declareGroup(Channel channel, String topic, String group, int n, int replicationFactor,
                              int maxPriority) throws IOException {
        String dlx = Names.deadLetterExchange(topic, group);
        channel.exchangeDeclare(dlx, BuiltinExchangeType.FANOUT, true, false, Map.of());
        channel.queueDeclare(Names.deadLetterQueue(topic, group), true, false, false, queueArgs(replicationFactor));
        channel.queueBind(Names.deadLetterQueue(topic, group), dlx, "");
        metadata.declareMembers(channel, topic, group);
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
}
