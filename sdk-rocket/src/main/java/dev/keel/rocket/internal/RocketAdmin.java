package dev.keel.rocket.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.rocket.RocketConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics and subscription groups through {@code DefaultMQAdminExt}: creates a topic with its queue
 * count on every master, idempotently, and waits until the name server routes it; describes and
 * deletes. Routes answered here are also what the producer sends by. Thread-safe.
 */
public final class RocketAdmin implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RocketAdmin.class);
    private static final long ROUTE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final RocketConfig config;
    private final DefaultMQAdminExt admin;
    /** The Keel groups this client declared: what proves a cut RocketMQ group name is Keel's own. */
    private final Set<String> knownGroups = ConcurrentHashMap.newKeySet();

    public RocketAdmin(RocketConfig config) {
        this.config = config;
        this.admin = new DefaultMQAdminExt(RocketAccess.of(config), config.adminTimeout().toMillis());
        admin.setNamesrvAddr(config.nameServer());
        admin.setInstanceName(ClientNames.instance(config, "admin"));
        admin.setAdminExtGroup(config.clientId() + "-admin-" + ClientNames.unique());
        try {
            RocketTls.start(config, admin, admin::start);
        } catch (MQClientException e) {
            throw new BrokerUnavailableException("cannot start the RocketMQ admin client for name server "
                    + config.nameServer() + ": " + e.getErrorMessage(), e);
        }
    }

    /** The writable queues of {@code topic} in the name server's route, sorted; empty when it does not exist. */
    public Optional<List<MessageQueue>> writableQueues(String topic) {
        return route(topic).map(route -> {
            List<MessageQueue> queues = new ArrayList<>();
            for (QueueData q : sorted(route)) {
                if (PermName.isWriteable(q.getPerm())) {
                    for (int i = 0; i < q.getWriteQueueNums(); i++) {
                        queues.add(new MessageQueue(topic, q.getBrokerName(), i));
                    }
                }
            }
            return queues.isEmpty() ? null : List.copyOf(queues);
        });
    }

    /**
     * The topic as the brokers have it: the queue count per master (of the first master by name that
     * has it; {@link #ensure} checks every master) and replicas (master plus slaves); no groups.
     * Present when any master has the topic.
     */
    public Optional<TopicSpec> describe(String topic) {
        return route(topic).map(route -> {
            List<QueueData> queues = sorted(route);
            if (queues.isEmpty()) {
                return null;
            }
            return TopicSpec.builder(topic).partitions(queues.get(0).getWriteQueueNums())
                    .replicationFactor(replicas(route)).build();
        });
    }

    /**
     * Creates the topic and its groups' subscription groups when missing; checks an existing one on
     * every master that has it, and creates it on the masters that lack it (with the same queue count).
     */
    public void ensure(TopicSpec spec) {
        String problem = Names.topicProblem(spec.name());
        if (problem != null) {
            throw new TopologyException(spec.name(), problem);
        }
        for (String group : spec.groups()) {
            String groupProblem = Names.groupProblem(group);
            if (groupProblem != null) {
                throw new TopologyException(spec.name(), groupProblem);
            }
        }
        Map<String, BrokerData> masters = masters();
        int available = masters.values().stream().mapToInt(b -> b.getBrokerAddrs().size()).min().orElse(1);
        Optional<TopicRouteData> route = route(spec.name());
        TopicPlacement placement = TopicPlacement.of(route.orElse(null), masters.keySet());
        if (placement.exists()) {
            check(spec, placement, replicas(route.get()));
            // on only some masters: a declaration that stopped half way, or masters added since; completed here
            createTopic(spec.name(), spec.partitions(), only(masters, placement.missing()));
        } else {
            if (spec.replicationFactor() != available) {
                throw new TopologyException(spec.name(), "RocketMQ topic " + spec.name() + ": RocketMQ replicates per "
                        + "broker, not per topic, and these brokers have replication factor " + available
                        + " (master plus slaves); requested " + spec.replicationFactor()
                        + ": declare the topic with replication factor " + available);
            }
            createTopic(spec.name(), spec.partitions(), masters);
        }
        if (spec.minInSyncReplicas() > 1) {
            throw new TopologyException(spec.name(), "RocketMQ has no per-topic min.insync.replicas (requested "
                    + spec.minInSyncReplicas() + "): run the brokers as SYNC_MASTER for synchronous replication "
                    + "and declare minInSyncReplicas 1");
        }
        for (String group : spec.groups()) {
            knownGroups.add(group);
            createGroup(Names.rocketGroup(group, spec.name()), masters);
        }
        awaitRoute(spec.name());
    }

    /** The dead-letter topic of a subscription: created like {@code origin} when missing, kept for {@code group}. */
    public void ensureDeadLetters(String origin, String deadLetters, String group) {
        String problem = Names.topicProblem(deadLetters);
        if (problem != null) {
            throw new TopologyException(deadLetters, "the dead-letter topic of " + origin + ": " + problem);
        }
        Map<String, BrokerData> masters = masters();
        TopicPlacement placement = TopicPlacement.of(route(deadLetters).orElse(null), masters.keySet());
        if (!placement.missing().isEmpty()) {
            int queues = placement.exists() ? placement.queues().values().iterator().next()
                    : describe(origin).map(TopicSpec::partitions).orElse(TopicSpec.DEFAULT_PARTITIONS);
            createTopic(deadLetters, queues, only(masters, placement.missing()));
        }
        knownGroups.add(group);
        createGroup(Names.rocketGroup(group, deadLetters), masters);
        awaitRoute(deadLetters);
    }

    /**
     * Deletes the topic on every broker and the name server, and the RocketMQ groups that consumed it
     * which Keel provably made ({@link Names#isKeelGroupOf}); other groups on the topic are left alone.
     * The topic goes first: a deletion of the topic that fails (its {@code Delete} refused, a broker
     * unreachable) leaves the groups, and their offsets, as they were. A group whose deletion the broker's
     * ACL refuses is an {@link dev.keel.AccessRefusedException} naming it (the topic is deleted by then).
     */
    public void delete(String topic) {
        if (route(topic).isEmpty()) {
            return;
        }
        Map<String, BrokerData> masters = masters();
        List<String> groups = new ArrayList<>();
        try {
            for (String group : admin.queryTopicConsumeByWho(topic).getGroupList()) {
                if (Names.isKeelGroupOf(group, topic, knownGroups)) {
                    groups.add(group);
                }
            }
        } catch (Exception e) {
            if (AccessRefusals.remarkOf(e).isPresent()) {
                throw failure(config, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, "listing the groups of RocketMQ topic "
                        + topic + " to delete them with it (nothing was deleted)", e);
            }
            LOG.debug("Could not list the groups of RocketMQ topic {} for deletion: {}", topic, e.toString());
        }
        Set<String> clusters = new java.util.HashSet<>();
        masters.values().forEach(b -> clusters.add(b.getCluster()));
        try {
            for (String cluster : clusters) {
                admin.deleteTopic(topic, cluster);
            }
        } catch (Exception e) {
            throw failure(config, RequestCode.DELETE_TOPIC_IN_BROKER, "deleting RocketMQ topic " + topic, e);
        }
        for (String group : groups) {
            for (BrokerData broker : masters.values()) {
                try {
                    admin.deleteSubscriptionGroup(broker.getBrokerAddrs().get(MixAll.MASTER_ID), group, true);
                } catch (Exception e) {
                    if (AccessRefusals.remarkOf(e).isPresent()) {
                        throw failure(config, RequestCode.DELETE_SUBSCRIPTIONGROUP, "deleting RocketMQ subscription "
                                + "group " + group + " of topic " + topic + " (the topic is deleted; the group is "
                                + "left on broker " + broker.getBrokerName() + ": grant the permission and delete it "
                                + "with mqadmin deleteSubGroup)", e);
                    }
                    LOG.warn("Could not delete RocketMQ subscription group {} of deleted topic {} on broker {}: {}",
                            group, topic, broker.getBrokerName(), e.toString());
                }
            }
        }
        await("topic " + topic + " to leave the name server's route", () -> route(topic).isEmpty());
    }

    /** Checks the topic's queue count on every master that has it, and the brokers' replication. */
    private static void check(TopicSpec spec, TopicPlacement placement, int replicas) {
        Map<String, Integer> wrong = placement.mismatched(spec.partitions());
        if (!wrong.isEmpty()) {
            StringBuilder found = new StringBuilder();
            wrong.forEach((broker, queues) -> found.append(found.length() == 0 ? "" : ", ").append(broker)
                    .append(queues < 0 ? " has different read and write queue counts" : " has " + queues + " queues"));
            throw new TopologyException(spec.name(), "RocketMQ topic " + spec.name() + " exists with another queue "
                    + "count on some master(s) (" + found + "); requested " + spec.partitions() + " queues on every "
                    + "master. Keel never changes a topic's queue count (keys would move to other queues): declare "
                    + "the count the topic has, or delete the topic first");
        }
        if (replicas != spec.replicationFactor()) {
            throw new TopologyException(spec.name(), "RocketMQ topic " + spec.name() + " has replication factor "
                    + replicas + " (its brokers' master plus slaves); requested " + spec.replicationFactor());
        }
    }

    private static Map<String, BrokerData> only(Map<String, BrokerData> masters, Set<String> names) {
        Map<String, BrokerData> some = new TreeMap<>(masters);
        some.keySet().retainAll(names);
        return some;
    }

    private void createTopic(String topic, int queues, Map<String, BrokerData> masters) {
        if (masters.isEmpty()) {
            return;
        }
        TopicConfig topicConfig = new TopicConfig(topic, queues, queues, PermName.PERM_READ | PermName.PERM_WRITE);
        for (BrokerData broker : masters.values()) {
            String address = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
            try {
                admin.createAndUpdateTopicConfig(address, topicConfig);
            } catch (Exception e) {
                throw failure(config, RequestCode.UPDATE_AND_CREATE_TOPIC, "creating RocketMQ topic " + topic + " on master broker " + broker.getBrokerName() + " ("
                        + address + "; a Keel topic has its queues on every master, declare it again once that "
                        + "broker is reachable)", e);
            }
        }
        LOG.debug("Created RocketMQ topic {} with {} queues on {} master(s)", topic, queues, masters.size());
    }

    /** Creates the subscription group on each master that lacks it; an existing one is never overwritten. */
    private void createGroup(String group, Map<String, BrokerData> masters) {
        for (BrokerData broker : masters.values()) {
            String address = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
            try {
                if (groupExists(address, group)) {
                    continue;
                }
                SubscriptionGroupConfig groupConfig = new SubscriptionGroupConfig();
                groupConfig.setGroupName(group);
                admin.createAndUpdateSubscriptionGroupConfig(address, groupConfig);
            } catch (Exception e) {
                throw failure(config, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, "creating RocketMQ subscription group " + group + " on broker "
                        + broker.getBrokerName(), e);
            }
        }
    }

    private boolean groupExists(String address, String group) throws Exception {
        try {
            return admin.examineSubscriptionGroupConfig(address, group) != null;
        } catch (Exception e) {
            if (isNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Whether every master broker routing {@code topic} filters by SQL92 properties
     * ({@code enablePropertyFilter=true}), which a broker-side header filter needs: empty when they
     * all do, otherwise why not, naming the first broker that refuses and its setting.
     */
    public Optional<String> propertyFilterRefusal(String topic) {
        TopicRouteData route = route(topic).orElseThrow(() -> new KeelException("RocketMQ topic '" + topic
                + "' does not exist: declare it with ensureTopology before subscribing", false));
        for (BrokerData broker : route.getBrokerDatas()) {
            String address = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
            if (address == null) {
                continue;
            }
            String enabled;
            try {
                enabled = admin.getBrokerConfig(address).getProperty("enablePropertyFilter", "false");
            } catch (Exception e) {
                throw failure(config, "asking broker " + broker.getBrokerName() + " for its configuration", e);
            }
            if (!Boolean.parseBoolean(enabled.trim())) {
                return Optional.of("RocketMQ broker '" + broker.getBrokerName() + "' does not filter by message "
                        + "properties (enablePropertyFilter=" + enabled.trim() + ")");
            }
        }
        return Optional.empty();
    }

    private Map<String, BrokerData> masters() {
        ClusterInfo cluster;
        try {
            cluster = admin.examineBrokerClusterInfo();
        } catch (Exception e) {
            throw failure(config, "asking name server " + config.nameServer() + " for the brokers", e);
        }
        Map<String, BrokerData> masters = new TreeMap<>();
        cluster.getBrokerAddrTable().forEach((name, broker) -> {
            if (broker.getBrokerAddrs().containsKey(MixAll.MASTER_ID)) {
                masters.put(name, broker);
            }
        });
        if (masters.isEmpty()) {
            throw new BrokerUnavailableException("name server " + config.nameServer() + " knows no RocketMQ master "
                    + "broker: start a broker registered with it", null);
        }
        return masters;
    }

    private Optional<TopicRouteData> route(String topic) {
        try {
            TopicRouteData route = admin.examineTopicRouteInfo(topic);
            return route == null || route.getQueueDatas() == null || route.getQueueDatas().isEmpty()
                    ? Optional.empty() : Optional.of(route);
        } catch (Exception e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw failure(config, "asking name server " + config.nameServer() + " for the route of topic " + topic, e);
        }
    }

    private void awaitRoute(String topic) {
        await("the name server to route topic " + topic, () -> writableQueues(topic).isPresent());
    }

    private void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + config.adminTimeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new KeelException("timed out after " + config.adminTimeout() + " waiting for " + what, true);
            }
            LockSupport.parkNanos(ROUTE_POLL_NANOS);
        }
    }

    private static List<QueueData> sorted(TopicRouteData route) {
        List<QueueData> queues = new ArrayList<>(route.getQueueDatas());
        queues.sort(Comparator.comparing(QueueData::getBrokerName));
        return queues;
    }

    private static int replicas(TopicRouteData route) {
        return route.getBrokerDatas().stream().mapToInt(b -> b.getBrokerAddrs().size()).min().orElse(1);
    }

    private static boolean isNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MQClientException c && (c.getResponseCode() == ResponseCode.TOPIC_NOT_EXIST
                    || c.getResponseCode() == ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST)) {
                return true;
            }
            if (t instanceof org.apache.rocketmq.client.exception.MQBrokerException b
                    && (b.getResponseCode() == ResponseCode.TOPIC_NOT_EXIST
                    || b.getResponseCode() == ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST)) {
                return true;
            }
        }
        return false;
    }

    static KeelException failure(RocketConfig config, String what, Exception e) {
        return failure(config, -1, what, e);
    }

    /** The failure of {@code what}, request {@code requestCode} (-1: several or not known), as a typed exception. */
    static KeelException failure(RocketConfig config, int requestCode, String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (e instanceof KeelException k) {
            return k;
        }
        java.util.Optional<dev.keel.AccessRefusedException> refused = AccessRefusals.of(config, what, requestCode, e);
        if (refused.isPresent()) {
            return refused.get();
        }
        if (e instanceof org.apache.rocketmq.remoting.exception.RemotingException) {
            return new BrokerUnavailableException(what + " failed: " + e.getMessage(), e);
        }
        return new KeelException(what + " failed: " + e, e, true);
    }

    /** The admin client, for {@link RocketReplay}. */
    DefaultMQAdminExt client() {
        return admin;
    }

    /** The master address of each broker routing {@code topic}; empty when the topic does not exist. */
    Map<String, String> masterAddresses(String topic) {
        Map<String, String> addresses = new TreeMap<>();
        route(topic).ifPresent(r -> r.getBrokerDatas().forEach(b -> {
            String master = b.getBrokerAddrs().get(MixAll.MASTER_ID);
            if (master != null) {
                addresses.put(b.getBrokerName(), master);
            }
        }));
        return addresses;
    }

    @Override
    public void close() {
        admin.shutdown();
    }
}
