package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.keel.TopicSpec;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Keel declared for a topic, kept on the broker (AMQP cannot list queues nor read queue
 * arguments back): a record queue ({@link MetadataQueues#record}: {@code T.keel-record}, quorum, or
 * {@code T.keel-topology}, classic) holds one persistent empty message per entry, its headers naming
 * the topic's partitions, replication factor and min-in-sync count, and for a group entry the group.
 * It is never consumed: a reader takes the messages with {@code basic.get} without acknowledging
 * them and closes its channel, which returns them. A reader that finds the same entry twice (two
 * processes declared it at once) acknowledges the extra copy, so the record does not grow. Stateless.
 */
final class TopologyRecord {

    static final String GROUP = "keel-group";
    static final String PARTITIONS = "keel-partitions";
    static final String REPLICATION_FACTOR = "keel-replication-factor";
    static final String MIN_IN_SYNC_REPLICAS = "keel-min-insync-replicas";
    /** Written only when above 0, so records of topics without priorities stay as older releases wrote them. */
    static final String MAX_PRIORITY = "keel-max-priority";
    /** The key of the topic's own entry in {@link #read}'s map. */
    static final String TOPIC = "";

    private TopologyRecord() {
    }

    /** One declaration: the topic itself ({@code group} empty) or one of its groups, with the topic's settings. */
    record Entry(String group, int partitions, int replicationFactor, int minInSyncReplicas, int maxPriority) {

        /** An entry of a topic without message priorities. */
        Entry(String group, int partitions, int replicationFactor, int minInSyncReplicas) {
            this(group, partitions, replicationFactor, minInSyncReplicas, 0);
        }

        static Entry topic(TopicSpec spec) {
            return new Entry(TOPIC, spec.partitions(), spec.replicationFactor(), spec.minInSyncReplicas(),
                    spec.maxPriority());
        }

        Entry forGroup(String name) {
            return new Entry(name, partitions, replicationFactor, minInSyncReplicas, maxPriority);
        }
    }

    /**
     * The entries in record queue {@code queue} by group ({@link #TOPIC} for the topic's own), read on
     * {@code channel}, which the caller must close afterwards (that returns the messages): every message is taken, until
     * the queue has none ready. When the queue does not exist (or its node is down) the broker closes the channel (404)
     * and this throws.
     */
    static Map<String, Entry> read(Channel channel, String queue) throws IOException {
        // the passive declare's message count is not asked: a quorum queue whose leader does not answer within 250 ms
        // reports 0 messages, and a record read as empty would make deleteTopology leave the groups' queues. A get
        // waits for the leader and fails when it does not answer
        channel.queueDeclarePassive(queue);
        Map<String, Entry> entries = new TreeMap<>();
        for (GetResponse response = channel.basicGet(queue, false); response != null;
                response = channel.basicGet(queue, false)) {
            Entry entry = parse(response.getProps());
            if (entry != null && entries.containsKey(entry.group())) {
                channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
            } else if (entry != null) {
                entries.put(entry.group(), entry);
            }
        }
        return entries;
    }

    /** Declares the topic's record queue of form {@code form} and appends {@code entries} in one transaction. */
    static void append(Channel channel, MetadataQueues form, String topic, Collection<Entry> entries)
            throws IOException {
        String queue = form.record(topic);
        channel.queueDeclare(queue, true, false, false, form.recordArguments());
        if (entries.isEmpty()) {
            return;
        }
        channel.txSelect();
        for (Entry entry : entries) {
            Map<String, Object> headers = new HashMap<>();
            if (!entry.group().isEmpty()) {
                headers.put(GROUP, entry.group());
            }
            headers.put(PARTITIONS, entry.partitions());
            headers.put(REPLICATION_FACTOR, entry.replicationFactor());
            headers.put(MIN_IN_SYNC_REPLICAS, entry.minInSyncReplicas());
            if (entry.maxPriority() > 0) {
                headers.put(MAX_PRIORITY, entry.maxPriority());
            }
            channel.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2).headers(headers).build(),
                    new byte[0]);
        }
        channel.txCommit();
    }

    private static Entry parse(AMQP.BasicProperties properties) {
        Map<String, Object> headers = properties.getHeaders();
        if (headers == null || !(headers.get(PARTITIONS) instanceof Number partitions)
                || !(headers.get(REPLICATION_FACTOR) instanceof Number replication)
                || !(headers.get(MIN_IN_SYNC_REPLICAS) instanceof Number minInSync)) {
            return null; // not an entry this version understands: left as it is
        }
        Object group = headers.get(GROUP);
        return new Entry(group == null ? TOPIC : group.toString(), partitions.intValue(), replication.intValue(),
                minInSync.intValue(), headers.get(MAX_PRIORITY) instanceof Number p ? p.intValue() : 0);
    }
}
