package dev.keel.jms.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.jms.ArtemisConfig;
import org.apache.activemq.artemis.api.core.ActiveMQAddressExistsException;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQNonExistentQueueException;
import org.apache.activemq.artemis.api.core.ActiveMQQueueExistsException;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.activemq.artemis.api.core.management.ManagementHelper;
import org.apache.activemq.artemis.api.core.management.ResourceNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Addresses and queues, through a core session of Artemis's own client (Jakarta Messaging has no
 * topology API): a topic is a multicast address, each group a durable queue on it whose group
 * buckets are the topic's partitions, rebalanced over the members when one joins, with dispatch
 * paused until what the members hold is acknowledged (so a key never runs on two members at once). Deleting an address goes through the broker's management
 * address. One session, used under this object's lock, opened again after a lost connection.
 */
public final class CoreAdmin implements JmsTopology {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CoreAdmin.class);

    private static final String MANAGEMENT_ADDRESS = "activemq.management";

    private final ArtemisConfig config;
    private final JmsErrors errors;
    private ServerLocator locator;
    private ClientSessionFactory factory;
    private ClientSession session;
    private boolean closed;

    public CoreAdmin(ArtemisConfig config, JmsErrors errors) {
        this.config = config;
        this.errors = errors;
    }

    /**
     * Declares the topic's address and a queue per group. A group queue that exists with another
     * partition count fails with a {@link TopologyException} and changes nothing.
     */
    @Override
    public synchronized void ensure(TopicSpec topic) {
        if (topic.replicationFactor() != 1 || topic.minInSyncReplicas() != 1) {
            throw new TopologyException(topic.name(), "topic '" + topic.name() + "' on ActiveMQ Artemis has replication "
                    + "factor 1 and minInSyncReplicas 1 (requested " + topic.replicationFactor() + " and "
                    + topic.minInSyncReplicas() + "): Artemis replicates whole brokers (a primary/backup pair), not "
                    + "topics; declare 1 and 1 (docs/activemq.md)");
        }
        call(topic.name(), s -> {
            SimpleString address = SimpleString.of(topic.name());
            for (String group : topic.groups()) {
                requireOwnQueue(s, topic.name(), group);
                Integer buckets = bucketsOf(s, Names.groupQueue(topic.name(), group));
                if (buckets != null && buckets != topic.partitions()) {
                    throw new TopologyException(topic.name(), "the queue of group '" + group + "' of topic '"
                            + topic.name() + "' exists with " + buckets + " partitions, not " + topic.partitions()
                            + ": declare the topic with " + buckets + " partitions, or delete it first");
                }
            }
            if (!s.addressQuery(address).isExists()) {
                try {
                    s.createAddress(address, RoutingType.MULTICAST, false);
                } catch (ActiveMQAddressExistsException raced) {
                    // declared meanwhile: fine
                }
            }
            for (String group : topic.groups()) {
                createGroupQueue(s, topic.name(), group, topic.partitions());
            }
            return null;
        });
    }

    /**
     * Makes sure the group's queue exists on an existing topic (with the partitions of the topic's
     * other groups); a topic whose address does not exist fails with {@link TopicNotFoundException}.
     */
    @Override
    public synchronized boolean ensureGroup(String topic, String group) {
        return call(topic, s -> {
            requireTopic(s, topic);
            return createGroupQueue(s, topic, group, partitionsOf(s, topic));
        });
    }

    private static void requireTopic(ClientSession s, String topic) throws ActiveMQException {
        if (!s.addressQuery(SimpleString.of(topic)).isExists()) {
            throw new TopicNotFoundException(topic, "topic '" + topic + "' does not exist on the broker (no address "
                    + "of that name): declare it first (ensureTopology, or keel.topics." + topic + ".* with the Spring "
                    + "Boot starter)");
        }
    }

    /**
     * Deletes the queue of {@code group} that a refused subscribe created, unless something uses it already (a
     * consumer, or a message: another process's subscribe of the group declared it meanwhile). Best effort.
     */
    @Override
    public synchronized void removeUnusedGroup(String topic, String group) {
        try {
            call(topic, s -> {
                SimpleString queue = SimpleString.of(Names.groupQueue(topic, group));
                ClientSession.QueueQuery query = s.queueQuery(queue);
                if (query.isExists() && query.getConsumerCount() == 0 && query.getMessageCount() == 0) {
                    s.deleteQueue(queue);
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("cannot remove the queue of group '{}' of topic '{}' that a refused subscribe created: {}", group,
                    topic, e.getMessage());
        }
    }

    /**
     * Makes sure the dead-letter topic exists and keeps a queue for {@code group}, with the partitions
     * of {@code origin}: declared when a subscription starts, so no dead letter is sent where no queue
     * would keep it. An {@code origin} that does not exist fails with {@link TopicNotFoundException}, declaring
     * nothing.
     */
    @Override
    public synchronized void ensureDeadLetters(String deadLetterTopic, String group, String origin) {
        call(deadLetterTopic, s -> {
            requireTopic(s, origin);
            SimpleString address = SimpleString.of(deadLetterTopic);
            if (!s.addressQuery(address).isExists()) {
                try {
                    s.createAddress(address, RoutingType.MULTICAST, false);
                } catch (ActiveMQAddressExistsException raced) {
                    // declared meanwhile: fine
                }
            }
            createGroupQueue(s, deadLetterTopic, group, partitionsOf(s, origin));
            return null;
        });
    }

    /** The topic's partitions and the groups that have a queue on it; empty when its address does not exist. */
    @Override
    public synchronized Optional<TopicSpec> describe(String topic) {
        return call(topic, s -> {
            ClientSession.AddressQuery query = s.addressQuery(SimpleString.of(topic));
            if (!query.isExists()) {
                return Optional.empty();
            }
            TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(partitionsOf(s, topic));
            for (String group : groupsOf(s, topic, query)) {
                spec.group(group);
            }
            return Optional.of(spec.build());
        });
    }

    /** The topic's partitions when its address exists and routes to at least one queue, else 0. */
    @Override
    public synchronized int routablePartitions(String topic) {
        return call(topic, s -> {
            ClientSession.AddressQuery query = s.addressQuery(SimpleString.of(topic));
            return query.isExists() && !query.getQueueNames().isEmpty() ? partitionsOf(s, topic) : 0;
        });
    }

    /**
     * Deletes the topic's queues, with their messages, and its address; nothing there is fine. The address is
     * deleted by a request to the broker's management address, which needs {@code manage}: the request is sent
     * without a reply queue (a temporary reply queue would need five more permissions) as a blocking send, which the broker
     * answers once it ran the request, and the address is then looked up. A request that changes nothing is sent
     * first, so that a user without {@code manage} is refused before any queue is deleted (before, the queues and
     * their messages were gone, and the address left without them).
     */
    @Override
    public synchronized void delete(String topic) {
        call(topic, s -> {
            ClientSession.AddressQuery query = s.addressQuery(SimpleString.of(topic));
            if (!query.isExists()) {
                return null;
            }
            try (ClientProducer management = s.createProducer(MANAGEMENT_ADDRESS)) {
                manage(s, management, r -> ManagementHelper.putAttribute(r, ResourceNames.BROKER, "version"));
                for (SimpleString queue : query.getQueueNames()) {
                    try {
                        s.deleteQueue(queue);
                    } catch (ActiveMQNonExistentQueueException gone) {
                        // deleted meanwhile
                    }
                }
                manage(s, management, r -> ManagementHelper.putOperationInvocation(r, ResourceNames.BROKER,
                        "deleteAddress", topic, true));
            }
            if (s.addressQuery(SimpleString.of(topic)).isExists()) {
                throw new TopologyException(topic, "the broker did not delete the address of topic '" + topic
                        + "' (its queues are deleted): see the broker's log, or delete it with the broker's tools");
            }
            return null;
        });
    }

    /** Sends a management request, without a reply queue; the send blocks until the broker ran it. */
    private static void manage(ClientSession s, ClientProducer management, ManagementRequest body) throws Exception {
        ClientMessage request = s.createMessage(false);
        body.write(request);
        management.send(request);
    }

    @FunctionalInterface
    private interface ManagementRequest {
        void write(ClientMessage request) throws Exception;
    }

    /** Declares the group's queue; true when this call created it. */
    private static boolean createGroupQueue(ClientSession s, String topic, String group, int partitions)
            throws ActiveMQException {
        String queue = Names.groupQueue(topic, group);
        if (requireOwnQueue(s, topic, group)) {
            return false;
        }
        try {
            s.createQueue(QueueConfiguration.of(queue).setAddress(topic).setRoutingType(RoutingType.MULTICAST)
                    .setDurable(true).setAutoCreated(false).setGroupBuckets(partitions).setGroupRebalance(true)
                    .setGroupRebalancePauseDispatch(true));
            return true;
        } catch (ActiveMQQueueExistsException raced) {
            requireOwnQueue(s, topic, group); // declared meanwhile: fine, if on this topic
            return false;
        }
    }

    /**
     * Whether the queue of {@code group} of {@code topic} exists; fails with a {@link TopologyException} when a queue
     * of its name exists on another address: a group's queue is named {@code <topic>.<group>}, so topic {@code T} with
     * group {@code eu.billing} and topic {@code T.eu} with group {@code billing} name the same queue, and the second
     * would consume the first's messages (as its own topic's) and take them from their group.
     */
    private static boolean requireOwnQueue(ClientSession s, String topic, String group) throws ActiveMQException {
        String queue = Names.groupQueue(topic, group);
        ClientSession.QueueQuery query = s.queueQuery(SimpleString.of(queue));
        if (!query.isExists()) {
            return false;
        }
        if (query.getAddress() != null && !query.getAddress().toString().equals(topic)) {
            throw new TopologyException(topic, "group '" + group + "' of topic '" + topic + "' cannot have its queue '"
                    + queue + "' on ActiveMQ Artemis: a queue of that name exists on topic '" + query.getAddress()
                    + "' (a group's queue is named <topic>.<group>, so a dot in a group or topic name can make two "
                    + "groups' queues one); give this group or topic a name that does not collide");
        }
        return true;
    }

    private int partitionsOf(ClientSession s, String topic) throws ActiveMQException {
        for (SimpleString queue : s.addressQuery(SimpleString.of(topic)).getQueueNames()) {
            Integer buckets = bucketsOf(s, queue.toString());
            if (buckets != null && buckets > 0 && Names.groupOf(topic, queue.toString()) != null) {
                return buckets;
            }
        }
        return config.defaultPartitions();
    }

    private static Integer bucketsOf(ClientSession s, String queue) throws ActiveMQException {
        ClientSession.QueueQuery query = s.queueQuery(SimpleString.of(queue));
        if (!query.isExists()) {
            return null;
        }
        Integer buckets = query.getGroupBuckets();
        return buckets == null ? -1 : buckets;
    }

    private static List<String> groupsOf(ClientSession s, String topic, ClientSession.AddressQuery address)
            throws ActiveMQException {
        TreeSet<String> groups = new TreeSet<>();
        for (SimpleString queue : address.getQueueNames()) {
            String group = Names.groupOf(topic, queue.toString());
            if (group != null && TopicSpec.isValidName(group)) {
                ClientSession.QueueQuery query = s.queueQuery(queue);
                if (query.isExists() && query.isDurable() && !query.isTemporary()) {
                    groups.add(group);
                }
            }
        }
        return new ArrayList<>(groups);
    }

    private <T> T call(String topic, CoreCall<T> body) {
        try {
            return body.apply(session());
        } catch (ActiveMQException e) {
            KeelException failure = errors.ofTopology(topic, e);
            if (!(failure instanceof TopologyException)) {
                reset(); // refused or lost: the next call opens a new connection
            }
            throw failure;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            reset();
            throw new BrokerUnavailableException("managing topic '" + topic + "' failed: " + JmsErrors.describe(e), e);
        }
    }

    private ClientSession session() throws Exception {
        if (closed) {
            throw new java.lang.IllegalStateException("the adapter is closed");
        }
        if (session == null || session.isClosed()) {
            reset();
            locator = ActiveMQClient.createServerLocator(config.url());
            // a management request blocks until the broker ran it, or refused it (no 'manage')
            locator.setBlockOnNonDurableSend(true);
            factory = locator.createSessionFactory();
            session = factory.createSession(config.username().orElse(null), config.password().orElse(null), false,
                    true, true, false, 0);
        }
        return session;
    }

    private void reset() {
        try {
            if (session != null) {
                session.close();
            }
        } catch (ActiveMQException | RuntimeException ignored) {
            // going away
        }
        if (factory != null) {
            factory.close();
        }
        if (locator != null) {
            locator.close();
        }
        session = null;
        factory = null;
        locator = null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        reset();
    }

    @FunctionalInterface
    private interface CoreCall<T> {
        T apply(ClientSession session) throws Exception;
    }
}
