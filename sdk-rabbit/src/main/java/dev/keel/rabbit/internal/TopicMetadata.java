package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import dev.keel.BrokerUnavailableException;
import dev.keel.rabbit.internal.TopologyRecord.Entry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topic's metadata queues ({@link MetadataQueues}) in both forms: reads what either form holds,
 * writes the form that goes with this adapter's partition queues, and copies what only the other
 * form holds into it (the migration of topics declared by earlier releases, which kept their
 * metadata in classic queues on one node). Thread-safe.
 *
 * <p>Reads never take a node's loss for an answer: when the only copy of what is asked lives in a
 * classic queue whose node is down, they fail with a retriable {@link BrokerUnavailableException},
 * never with "no such topic" or a default.
 */
final class TopicMetadata {

    private static final Logger LOG = LoggerFactory.getLogger(TopicMetadata.class);
    /** Between two reads of a record, and how long a record is read again until two reads agree. */
    private static final Duration REREAD_PAUSE = Duration.ofMillis(10);
    private static final Duration REREAD_FOR = Duration.ofSeconds(1);

    private final BrokerCalls calls;
    /** For {@link TopologyRecord#read}, on a connection publishes do not use (see {@link Topology}). */
    private final ReadLock reads;
    private final MetadataQueues written;
    /** Groups whose member queue of the other form was found missing (no member of an earlier release to count). */
    private final Set<String> noOtherMembersQueue = ConcurrentHashMap.newKeySet();

    TopicMetadata(BrokerCalls calls, ReadLock reads, MetadataQueues written) {
        this.calls = calls;
        this.reads = reads;
        this.written = written;
    }

    /** The form this adapter declares. */
    MetadataQueues written() {
        return written;
    }

    /** What a topic's record queues hold: the entries by group, and which of them the written form has. */
    record Recorded(Map<String, Entry> entries, Set<String> inWritten, boolean exists) {

        /** Both reads' entries, this one's first. */
        Recorded union(Recorded other) {
            Map<String, Entry> all = new TreeMap<>(other.entries);
            all.putAll(entries);
            Set<String> written = new HashSet<>(other.inWritten);
            written.addAll(inWritten);
            return new Recorded(all, Set.copyOf(written), exists || other.exists);
        }

        Entry topicEntry() {
            return entries.get(TopologyRecord.TOPIC);
        }

        /** Entries only the other form holds: what a migration copies. */
        List<Entry> missingFromWritten() {
            return entries.values().stream().filter(e -> !inWritten.contains(e.group())).toList();
        }
    }

    /**
     * The partition count as the topic's marker says: N, 0 while a process is declaring it, -1 when
     * it has no marker in either form. The classic marker is read first: a topic declared by an
     * earlier release has it complete, while the quorum one may be being filled by a migration.
     *
     * @throws BrokerUnavailableException (retriable) when the only marker is on a node that is down
     */
    int partitions(String topic) {
        Probe classic = probe(topic, MetadataQueues.CLASSIC.marker(topic));
        if (classic.exists()) {
            return settledCount(topic, MetadataQueues.CLASSIC.marker(topic), classic);
        }
        Probe quorum = probe(topic, MetadataQueues.QUORUM.marker(topic));
        if (quorum.exists()) {
            return settledCount(topic, MetadataQueues.QUORUM.marker(topic), quorum);
        }
        if (classic.nodeDown()) {
            throw nodeDown(topic, MetadataQueues.CLASSIC.marker(topic), "its partition count");
        }
        return -1;
    }

    /**
     * A marker's count, read again for up to {@link #REREAD_FOR} while it shows none: a queue reports only its ready
     * messages, so a marker read by another client at that moment (or a quorum marker just after its leader moved to
     * another node) shows 0, which would pass for a declaration in progress. Seen in the cluster suite: a subscribe
     * right after the declaring node stopped failed with "being declared by another process".
     */
    private int settledCount(String topic, String marker, Probe first) {
        int count = first.messages();
        long deadline = System.nanoTime() + REREAD_FOR.toNanos();
        while (count == 0 && System.nanoTime() < deadline) {
            pause();
            Probe again = probe(topic, marker);
            if (!again.exists()) {
                break;
            }
            count = again.messages();
        }
        return count;
    }

    /**
     * The topic's record, both forms merged (the written form's entry wins); empty when it has none
     * (not declared, or declared by a release without the record).
     *
     * @throws BrokerUnavailableException (retriable) when the classic record is on a node that is down
     *         and there is no quorum record to fall back on
     */
    Recorded record(String topic) {
        // A reader takes the record's messages for the time of its read (basic.get, then the channel's close returns
        // them), and a queue reports only its ready messages: a read during another client's read sees a part of
        // the record, or none of it. Read again until two reads in a row agree on a record that is not empty
        // (entries are only ever added), within a bound; what every read saw is kept.
        Recorded merged = recordOnce(topic);
        long deadline = System.nanoTime() + REREAD_FOR.toNanos();
        while (merged.exists()) {
            pause();
            Recorded again = recordOnce(topic).union(merged);
            boolean stable = again.entries().keySet().equals(merged.entries().keySet()) && !again.entries().isEmpty();
            merged = again;
            if (stable || System.nanoTime() >= deadline) {
                break;
            }
        }
        return merged;
    }

    private Recorded recordOnce(String topic) {
        RecordRead mine = read(topic, written);
        RecordRead other = read(topic, written.other());
        if (other.nodeDown() && !mine.exists()) {
            throw nodeDown(topic, written.other().record(topic), "its record");
        }
        if (other.nodeDown()) {
            LOG.debug("the record queue {} of topic '{}' is on a node that is down; using {}",
                    written.other().record(topic), topic, written.record(topic));
        }
        Map<String, Entry> entries = new TreeMap<>(other.entries());
        entries.putAll(mine.entries());
        return new Recorded(entries, Set.copyOf(mine.entries().keySet()), mine.exists() || other.exists());
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(REREAD_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerUnavailableException("interrupted while reading a topic's record", e);
        }
    }

    /**
     * On {@code channel}, within a declaration: the written form's marker of {@code n} partitions
     * (filled unless it is), so that a reader never sees a marker with a count between 0 and n. The
     * caller declares the marker before the topic's exchange: a process that sees the exchange also
     * sees the whole marker.
     */
    void declareMarker(Channel channel, String topic, int n) throws IOException {
        String marker = written.marker(topic);
        int count = channel.queueDeclare(marker, true, false, false, written.markerArguments(n)).getMessageCount();
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

    /** On {@code channel}: the written form's member queue of {@code group}. */
    void declareMembers(Channel channel, String topic, String group) throws IOException {
        channel.queueDeclare(written.members(topic, group), true, false, false, written.membersArguments());
    }

    /** On {@code channel}: appends {@code entries} to the written form's record (declared if missing). */
    void append(Channel channel, String topic, Collection<Entry> entries) throws IOException {
        TopologyRecord.append(channel, written, topic, entries);
    }

    /**
     * Copies into the quorum form what only the classic form of {@code recorded} holds: the marker of
     * {@code n} partitions, the record's entries, each recorded group's member queue. Does nothing when
     * the quorum form has everything, or when this adapter writes the classic form.
     */
    void migrate(String topic, Recorded recorded, int n) {
        List<Entry> missing = recorded.missingFromWritten();
        if (written != MetadataQueues.QUORUM || missing.isEmpty()) {
            return; // classic partition queues live on one node anyway: nothing is copied back into classic queues
        }
        calls.run(topic, "copy the metadata of topic '" + topic + "' into " + written.record(topic), channel -> {
            declareMarker(channel, topic, n);
            for (Entry entry : missing) {
                if (!entry.group().equals(TopologyRecord.TOPIC)) {
                    declareMembers(channel, topic, entry.group());
                }
            }
            append(channel, topic, missing);
            return null;
        });
        LOG.info("copied the metadata of topic '{}' into {} queues ({} entries): it no longer depends on the node of"
                + " {}", topic, written, missing.size(), written.other().record(topic));
    }

    /**
     * How many members of the group are registered: the consumers of its member queue of the written
     * form, plus those of the other form's (members of an earlier release) while it exists and its
     * node is up.
     */
    int memberCount(String topic, String group) {
        Probe mine = probe(topic, written.members(topic, group));
        int count = Math.max(0, mine.consumers());
        String key = topic + '\n' + group;
        if (!noOtherMembersQueue.contains(key)) {
            Probe other = probe(topic, written.other().members(topic, group));
            if (!other.exists() && !other.nodeDown()) {
                noOtherMembersQueue.add(key);
            }
            count += Math.max(0, other.consumers());
        }
        return count;
    }

    /** Forgets what it learnt about member queues (a topic was deleted). */
    void forget(String topic) {
        noOtherMembersQueue.removeIf(key -> key.startsWith(topic + '\n'));
    }

    /** The queues of the topic's metadata in both forms, for deleting it. */
    List<String> queues(String topic, Collection<String> groups) {
        List<String> queues = new ArrayList<>();
        for (MetadataQueues form : MetadataQueues.values()) {
            queues.add(form.marker(topic));
            queues.add(form.record(topic));
            for (String group : new HashSet<>(groups)) {
                queues.add(form.members(topic, group));
            }
        }
        return queues;
    }

    private Probe probe(String topic, String queue) {
        return calls.run(topic, "look up queue '" + queue + "' of topic '" + topic + "'", channel -> {
            try {
                AMQP.Queue.DeclareOk ok = channel.queueDeclarePassive(queue);
                return new Probe(ok.getMessageCount(), ok.getConsumerCount(), false);
            } catch (IOException e) {
                if (BrokerCalls.queueNodeDown(e)) {
                    return Probe.NODE_DOWN;
                }
                if (BrokerCalls.replyCode(e) == BrokerCalls.NOT_FOUND) {
                    return Probe.MISSING;
                }
                throw e;
            }
        });
    }

    private RecordRead read(String topic, MetadataQueues form) {
        String queue = form.record(topic);
        return reads.read(topic, queue, "read the record of topic '" + topic + "'", channel -> {
            try {
                return new RecordRead(TopologyRecord.read(channel, queue), true, false);
            } catch (IOException e) {
                if (BrokerCalls.queueNodeDown(e)) {
                    return RecordRead.NODE_DOWN;
                }
                if (BrokerCalls.replyCode(e) == BrokerCalls.NOT_FOUND) {
                    return RecordRead.MISSING;
                }
                throw e;
            }
        });
    }

    private static BrokerUnavailableException nodeDown(String topic, String queue, String what) {
        return new BrokerUnavailableException("cannot read " + what + " of topic '" + topic + "': the RabbitMQ node"
                + " holding its classic queue '" + queue + "' is down. Try again once it is back; to make the topic"
                + " independent of that node, declare it again (ensureTopology) or subscribe to it with an adapter"
                + " using quorum queues while the node is up: that copies its metadata into quorum queues", null);
    }

    /** A passive declare's answer: counts, or -1 for a queue that does not exist or whose node is down. */
    private record Probe(int messages, int consumers, boolean nodeDown) {
        static final Probe MISSING = new Probe(-1, -1, false);
        static final Probe NODE_DOWN = new Probe(-1, -1, true);

        boolean exists() {
            return messages >= 0;
        }
    }

    private record RecordRead(Map<String, Entry> entries, boolean exists, boolean nodeDown) {
        static final RecordRead MISSING = new RecordRead(Map.of(), false, false);
        static final RecordRead NODE_DOWN = new RecordRead(Map.of(), false, true);
    }
}
