package dev.keel.jms.internal;

import dev.keel.KeelException;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.advisory.AdvisorySupport;
import org.apache.activemq.command.ActiveMQDestination;
import org.apache.activemq.command.ActiveMQQueue;
import org.apache.activemq.command.ActiveMQTopic;
import org.apache.activemq.command.DestinationInfo;
import org.apache.activemq.command.SessionId;
import org.apache.activemq.command.SessionInfo;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Topics and groups on ActiveMQ Classic ({@link ClassicNames}): declared as queues the broker creates
 * on request (a {@code DestinationInfo} add), read from the broker's destination advisories
 * ({@link QueueView}), deleted with a {@code DestinationInfo} removal. One connection, used under this
 * object's lock, opened again (with a new view) after it is lost. Before each operation a round
 * trip on that connection (a session registered and removed) makes the view as recent as the moment
 * it began: the broker writes a queue's advisory to this connection while it creates the queue,
 * before it answers whoever asked for it, and this connection reads what it is sent in order.
 */
public final class ClassicAdmin implements JmsTopology {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClassicAdmin.class);

    /** An anchor left behind (its taker cut off) expires; members skip it in the meantime. */
    private static final Duration ANCHOR_TTL = Duration.ofSeconds(10);

    private final ActiveMQConnectionFactory factory;
    private final int timeoutMillis;
    private final AtomicLong barriers = new AtomicLong(Long.MAX_VALUE / 2); // far from the connection's own session ids
    private final JmsSettings settings;
    private final JmsErrors errors;
    private final QueueView view = new QueueView();
    private ActiveMQConnection connection;
    private Session session;
    private volatile boolean lost;
    private boolean closed;

    /**
     * @param url     the broker's URL; this object adds the parameters it needs (synchronous dispatch)
     * @param tls     the adapter's TLS material, for this object's connection as for the adapter's others
     * @param timeout the longest a request to the broker may wait for its answer (the adapter's send timeout)
     */
    public ClassicAdmin(String url, ClassicTls tls, JmsDialect dialect, Duration timeout) {
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        this.factory = tls.factory(url);
        this.factory.setSendTimeout(timeoutMillis);
        this.factory.setDispatchAsync(false);
        this.factory.setAlwaysSessionAsync(false);
        this.factory.setWatchTopicAdvisories(false);
        this.factory.getPrefetchPolicy().setTopicPrefetch(Short.MAX_VALUE);
        this.settings = dialect.settings();
        this.errors = dialect.errors();
    }

    @Override
    public synchronized void ensure(TopicSpec topic) {
        if (topic.replicationFactor() != 1 || topic.minInSyncReplicas() != 1) {
            throw new TopologyException(topic.name(), "topic '" + topic.name() + "' on ActiveMQ Classic has replication "
                    + "factor 1 and minInSyncReplicas 1 (requested " + topic.replicationFactor() + " and "
                    + topic.minInSyncReplicas() + "): Classic replicates whole brokers (a primary and its standby on a "
                    + "shared store), not topics; declare 1 and 1 (docs/activemq.md)");
        }
        topic.groups().forEach(group -> requireUsable(topic.name(), group));
        call(topic.name(), () -> {
            int[] counts = partitionCounts(topic.name()).toArray();
            if (counts.length > 1) { // markers of two counts: declared at once elsewhere, or one left by a failure
                throw new TopologyException(topic.name(), "topic '" + topic.name() + "' has markers of "
                        + Arrays.toString(counts) + " partitions (" + ClassicNames.marker(topic.name(), counts[0])
                        + " and others): it is being declared at the same moment with other partition counts, or a "
                        + "declaration that failed midway left its marker; declare it again, and if this persists "
                        + "delete it first");
            }
            OptionalInt existing = partitionsOf(topic.name());
            if (existing.isPresent() && existing.getAsInt() != topic.partitions()) {
                throw new TopologyException(topic.name(), "topic '" + topic.name() + "' exists with "
                        + existing.getAsInt() + " partitions, not " + topic.partitions() + ": declare it with "
                        + existing.getAsInt() + " partitions, or delete it first");
            }
            if (existing.isEmpty()) {
                ActiveMQQueue marker = new ActiveMQQueue(ClassicNames.marker(topic.name(), topic.partitions()));
                create(marker);
                barrier(); // another process's marker made before ours is in the view now
                // Declared at once elsewhere with other partitions: this declaration backs out, whichever count is
                // smaller. A declaration that saw no other marker after its own has returned (or will): ours was
                // made after its look, so only this one sees both and only this one may give way. Two that see each
                // other both give way (a retry then finds the topic free or declared); neither wins over the other.
                OptionalInt other = partitionCounts(topic.name()).filter(n -> n != topic.partitions()).findFirst();
                if (other.isPresent()) {
                    destroy(marker);
                    throw new TopologyException(topic.name(), "topic '" + topic.name() + "' was declared at the same "
                            + "moment with " + other.getAsInt() + " partitions, not " + topic.partitions()
                            + ": declare it again (with " + other.getAsInt() + " partitions if that one stays), or "
                            + "delete it first");
                }
            }
            for (String group : topic.groups()) {
                createIfMissing(ClassicNames.groupQueue(topic.name(), group));
            }
            return null;
        });
    }

    @Override
    public synchronized boolean ensureGroup(String topic, String group) {
        requireUsable(topic, group);
        return call(topic, () -> {
            requireTopic(topic);
            return createIfMissing(ClassicNames.groupQueue(topic, group));
        });
    }

    private OptionalInt requireTopic(String topic) {
        OptionalInt partitions = partitionsOf(topic);
        if (partitions.isEmpty()) {
            throw new TopicNotFoundException(topic, "topic '" + topic + "' does not exist on the broker (Keel "
                    + "finds no queue " + ClassicNames.marker(topic, 0).replace(".0.", ".<partitions>.") + "): "
                    + "declare it first (ensureTopology, or keel.topics." + topic + ".* with the Spring Boot "
                    + "starter)");
        }
        return partitions;
    }

    /**
     * Leaves the queue: ActiveMQ Classic tells a client neither how many messages a queue holds nor whether another
     * process's subscribe of the group uses it already, so deleting it could lose confirmed messages.
     */
    @Override
    public void removeUnusedGroup(String topic, String group) {
        LOG.warn("the queue {} that a refused subscribe of group '{}' declared stays on the broker and keeps a copy of "
                + "every message of topic '{}': delete it (keel's deleteTopology, or the broker's tools) if the group "
                + "will not be used", ClassicNames.groupQueue(topic, group), group, topic);
    }

    @Override
    public synchronized void ensureDeadLetters(String deadLetterTopic, String group, String origin) {
        requireUsable(deadLetterTopic, group);
        call(deadLetterTopic, () -> {
            int partitions = requireTopic(origin).getAsInt();
            if (partitionsOf(deadLetterTopic).isEmpty()) {
                create(new ActiveMQQueue(ClassicNames.marker(deadLetterTopic, partitions)));
            }
            createIfMissing(ClassicNames.groupQueue(deadLetterTopic, group));
            return null;
        });
    }

    @Override
    public synchronized Optional<TopicSpec> describe(String topic) {
        return call(topic, () -> {
            OptionalInt partitions = partitionsOf(topic);
            if (partitions.isEmpty()) {
                return Optional.empty();
            }
            TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(partitions.getAsInt());
            groupsOf(topic).forEach(spec::group);
            return Optional.of(spec.build());
        });
    }

    @Override
    public synchronized int routablePartitions(String topic) {
        return call(topic, () -> {
            OptionalInt partitions = partitionsOf(topic);
            return partitions.isPresent() && !groupsOf(topic).isEmpty() ? partitions.getAsInt() : 0;
        });
    }

    @Override
    public synchronized void delete(String topic) {
        call(topic, () -> {
            for (String group : groupsOf(topic)) { // all checked before anything is deleted
                String queue = ClassicNames.groupQueue(topic, group);
                if (hasConsumers(queue)) {
                    throw new TopologyException(topic, "queue " + queue + " of topic '" + topic + "' has consumers: "
                            + "close the subscriptions of group '" + group + "' first; nothing was deleted");
                }
            }
            for (String group : groupsOf(topic)) {
                String queue = ClassicNames.groupQueue(topic, group);
                try {
                    destroy(new ActiveMQQueue(queue));
                } catch (JMSException e) {
                    if (String.valueOf(e.getMessage()).contains("active subscription")) {
                        throw new TopologyException(topic, "the broker refused to delete queue " + queue + " of topic '"
                                + topic + "': a consumer joined it while the topic was being deleted ("
                                + JmsErrors.describe(e) + "); close the subscriptions of group '" + group + "' and "
                                + "delete the topic again", e);
                    }
                    throw e;
                }
            }
            destroy(new ActiveMQTopic(ClassicNames.virtualTopic(topic)));
            for (String queue : view.names()) {
                if (ClassicNames.partitionsOf(topic, queue).isPresent()) {
                    destroy(new ActiveMQQueue(queue));
                }
            }
            return null;
        });
    }

    private static void requireUsable(String topic, String group) {
        if (!ClassicNames.isUsableGroup(group)) {
            throw new TopologyException(topic, "group '" + group + "' of topic '" + topic + "' cannot be used on "
                    + "ActiveMQ Classic: its queue would be " + ClassicNames.groupQueue(topic, group) + ", which the "
                    + "broker's virtual topic does not fill (Consumer.<group>.VirtualTopic.<topic> takes a group name "
                    + "without dots); name the group without dots");
        }
    }

    /**
     * The partition count of each of the topic's markers in the view, smallest first: more than one only while it is
     * declared at once with other counts, or after a declaration that failed midway left its marker.
     */
    private IntStream partitionCounts(String topic) {
        return view.names().stream().map(queue -> ClassicNames.partitionsOf(topic, queue))
                .filter(OptionalInt::isPresent).mapToInt(OptionalInt::getAsInt).distinct().sorted();
    }

    /** The partitions of the topic's marker; the smallest when two processes declared it differently at once. */
    private OptionalInt partitionsOf(String topic) {
        return partitionCounts(topic).findFirst();
    }

    private TreeSet<String> groupsOf(String topic) {
        TreeSet<String> groups = new TreeSet<>();
        for (String queue : view.names()) {
            String group = ClassicNames.groupOf(topic, queue);
            if (group != null && TopicSpec.isValidName(group)) {
                groups.add(group);
            }
        }
        return groups;
    }

    private boolean createIfMissing(String queue) throws JMSException {
        if (view.contains(queue)) {
            return false;
        }
        create(new ActiveMQQueue(queue));
        return true;
    }

    /**
     * Creates the queue, and makes the broker's store remember it at once: KahaDB writes an empty queue only into
     * its index, which reaches the disk at the next checkpoint (5 s by default), so a broker killed before forgot the
     * queue (a marker: the topic gone; a group's queue: that group's messages, until a member declared it again).
     * A persistent message goes through its journal: one is sent to the queue and taken back at once ({@link
     * ClassicNames#ANCHOR}); replaying the journal after a crash creates the queue again. A user refused that (no
     * 'write' or 'read' on the queue) gets the queue unanchored, with a WARN.
     */
    private void create(ActiveMQQueue queue) throws JMSException {
        connection.syncSendPacket(new DestinationInfo(connection.getConnectionInfo().getConnectionId(),
                DestinationInfo.ADD_OPERATION_TYPE, queue), timeoutMillis);
        view.added(queue.getPhysicalName());
        try {
            anchor(queue);
        } catch (JMSException e) {
            if (!errors.isRefusal(e)) {
                throw e;
            }
            LOG.warn("the user may not send to and receive from queue {}, so Keel cannot anchor it in the broker's "
                    + "journal: the broker keeps it from its next checkpoint (KahaDB's checkpointInterval, 5 s by default) "
                    + "and forgets it if it stops before; grant 'write' and 'read' on the queues Keel declares "
                    + "(docs/activemq.md)", queue.getPhysicalName());
        }
    }

    private void anchor(ActiveMQQueue queue) throws JMSException {
        String id = UUID.randomUUID().toString();
        Message anchor = session.createMessage();
        anchor.setStringProperty(ClassicNames.ANCHOR, id);
        MessageProducer producer = session.createProducer(queue);
        try {
            producer.send(anchor, DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, ANCHOR_TTL.toMillis());
        } finally {
            producer.close();
        }
        MessageConsumer taker = session.createConsumer(queue, ClassicNames.ANCHOR + " = '" + id + "'");
        try {
            taker.receive(ANCHOR_TTL.toMillis()); // a member that got it first acknowledges it unhandled
        } finally {
            taker.close();
        }
    }

    /** Whether a consumer (not a browser, not an anchor's taker) reads {@code queue}: its consumer advisories, replayed. */
    private boolean hasConsumers(String queue) throws JMSException {
        MessageConsumer advisories = session.createConsumer(
                AdvisorySupport.getConsumerAdvisoryTopic(new ActiveMQQueue(queue)));
        try {
            Message replayed;
            while ((replayed = advisories.receiveNoWait()) != null) {
                if (ClassicMembers.isMember(replayed)) {
                    return true;
                }
            }
            return false;
        } finally {
            advisories.close();
        }
    }

    /**
     * A round trip on the admin connection, bounded by the send timeout: the broker answers it after every advisory it
     * sent this connection before, which the view has then taken in.
     */
    private void barrier() throws JMSException {
        SessionInfo probe = new SessionInfo(new SessionId(connection.getConnectionInfo().getConnectionId(),
                barriers.incrementAndGet()));
        connection.syncSendPacket(probe, timeoutMillis);
        connection.asyncSendPacket(probe.createRemoveCommand());
    }

    private void destroy(ActiveMQDestination destination) throws JMSException {
        connection.syncSendPacket(new DestinationInfo(connection.getConnectionInfo().getConnectionId(),
                DestinationInfo.REMOVE_OPERATION_TYPE, destination), timeoutMillis);
        if (destination.isQueue()) {
            view.removed(destination.getPhysicalName());
        }
    }

    private <T> T call(String topic, AdminCall<T> body) {
        try {
            open();
            barrier(); // every advisory sent before it is in the view
            return body.apply();
        } catch (JMSException e) {
            KeelException failure = errors.ofTopology(topic, e);
            if (!(failure instanceof TopologyException)) {
                reset(); // refused or lost: the next call opens a new connection
            }
            throw failure;
        }
    }

    private void open() throws JMSException {
        if (closed) {
            throw new IllegalStateException("the adapter is closed");
        }
        if (connection != null && !lost && !connection.isClosed() && !connection.isTransportFailed()) {
            return;
        }
        reset();
        lost = false;
        ActiveMQConnection opened = (ActiveMQConnection) settings.connect(factory);
        try {
            opened.setExceptionListener(e -> lost = true);
            opened.start();
            view.open(opened.createSession(false, Session.AUTO_ACKNOWLEDGE)); // its listener's own session
            session = opened.createSession(false, Session.AUTO_ACKNOWLEDGE);
        } catch (JMSException | RuntimeException e) {
            closeQuietly(opened);
            throw e;
        }
        connection = opened;
    }

    private void reset() {
        ActiveMQConnection c = connection;
        connection = null;
        session = null;
        if (c != null) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(ActiveMQConnection c) {
        try {
            c.close();
        } catch (JMSException | RuntimeException ignored) {
            // going away
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        reset();
    }

    @FunctionalInterface
    private interface AdminCall<T> {
        T apply() throws JMSException;
    }
}
