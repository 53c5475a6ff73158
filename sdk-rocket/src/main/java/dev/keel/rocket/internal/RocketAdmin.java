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
    /** How often the name server is asked again while it knows no master broker. */
    private static final long MASTERS_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

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
     * Deletes the topic on every broker and the name server with what Keel derived from it: the RocketMQ groups Keel
     * provably made for it ({@link Names#keelGroupOf}: declared or made by a consumer, used or not), the retry topics
     * of its NON_BLOCKING groups ({@link Names#retryTopic}) with their own groups, and the topics RocketMQ made for
     * each group deleted, {@code %RETRY%<group>} and {@code %DLQ%<group>} (deleting a group leaves them; one the name
     * server does not route is skipped). Other groups on the topic are left alone, and so are the groups and retry
     * topics of a topic whose name contains this one: names are matched to Keel's scheme exactly, hash included. The
     * topic goes first: a deletion of the topic that fails (its {@code Delete} refused, a broker unreachable) leaves
     * everything as it was. A deletion the broker's ACL refuses after that is an {@link dev.keel.AccessRefusedException}
     * naming what is left (the topic is deleted by then).
     */
    public void delete(String topic) {
        if (route(topic).isEmpty()) {
            return;
        }
        Map<String, BrokerData> masters = masters();
        Set<String> consumers = new java.util.HashSet<>();
        try {
            consumers.addAll(admin.queryTopicConsumeByWho(topic).getGroupList());
        } catch (Exception e) {
            if (AccessRefusals.remarkOf(e).isPresent()) {
                throw failure(config, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, "listing the groups of RocketMQ topic "
                        + topic + " to delete them with it (nothing was deleted)", e);
            }
            LOG.debug("Could not list the groups of RocketMQ topic {} for deletion: {}", topic, e.toString());
        }
        // a group declared and never used, or whose offsets the broker dropped, is not among those consuming the
        // topic: the brokers' subscription groups hold every one
        Set<String> subscriptionGroups = subscriptionGroups(masters, topic);
        consumers.addAll(subscriptionGroups);
        List<String> groups = keelGroupsOf(topic, consumers);
        Map<String, List<String>> retryTopics = retryTopicsOf(topic, groups, subscriptionGroups);
        Set<String> clusters = new java.util.HashSet<>();
        masters.values().forEach(b -> clusters.add(b.getCluster()));
        try {
            for (String cluster : clusters) {
                admin.deleteTopic(topic, cluster);
            }
        } catch (Exception e) {
            throw failure(config, RequestCode.DELETE_TOPIC_IN_BROKER, "deleting RocketMQ topic " + topic, e);
        }
        deleteGroups(groups, topic, "", masters, clusters);
        retryTopics.forEach((retryTopic, retryGroups) -> {
            String of = " (retry topic of deleted topic " + topic + ")";
            try {
                for (String cluster : clusters) {
                    admin.deleteTopic(retryTopic, cluster);
                }
            } catch (Exception e) {
                throw failure(config, RequestCode.DELETE_TOPIC_IN_BROKER, "deleting RocketMQ topic " + retryTopic + of
                        + "; it is left with its groups: grant the permission and delete it with deleteTopology("
                        + retryTopic + ")", e);
            }
            deleteGroups(retryGroups, retryTopic, of, masters, clusters);
        });
        await("topic " + topic + " to leave the name server's route", () -> route(topic).isEmpty());
    }

    /** The Keel groups of {@code topic} among {@code candidates}, sorted. */
    private List<String> keelGroupsOf(String topic, Set<String> candidates) {
        return candidates.stream().filter(g -> Names.keelGroupOf(g, topic, knownGroups).isPresent()).sorted()
                .toList();
    }

    /**
     * The retry topics of {@code topic}'s NON_BLOCKING groups that exist, each with its Keel groups: a topic the name
     * server lists whose name is {@code retryTopic(topic, g)} for the {@code g} it spells, or for a Keel group of the
     * topic ({@code groups}, {@link #knownGroups}: a name too long is cut and hashed), and whose group
     * {@code rocketGroup(g, retryTopic)}, which Keel declared with it, exists (the name alone can be the retry topic
     * of a group of a topic whose name starts with this one).
     */
    private Map<String, List<String>> retryTopicsOf(String topic, List<String> groups, Set<String> subscriptionGroups) {
        Set<String> topics;
        try {
            topics = new java.util.HashSet<>(admin.fetchAllTopicList().getTopicList());
        } catch (Exception e) {
            LOG.warn("Could not list the topics of name server {} to delete the retry topics of RocketMQ topic {} with "
                    + "it (they are left): {}", config.nameServer(), topic, e.toString());
            return Map.of();
        }
        Set<String> candidates = new java.util.TreeSet<>(knownGroups);
        groups.forEach(g -> Names.keelGroupOf(g, topic, knownGroups).ifPresent(candidates::add));
        for (String name : topics) {
            Names.retryGroupOf(name, topic).ifPresent(candidates::add);
        }
        Map<String, List<String>> retryTopics = new TreeMap<>();
        for (String group : candidates) {
            String retryTopic = Names.retryTopic(topic, group);
            if (topics.contains(retryTopic) && subscriptionGroups.contains(Names.rocketGroup(group, retryTopic))) {
                retryTopics.put(retryTopic, keelGroupsOf(retryTopic, subscriptionGroups));
            }
        }
        return retryTopics;
    }

    /**
     * The subscription groups of every master; those of a master that cannot be asked are missing (logged), and an
     * ACL refusal (ACL 2.0 checks none for this request) leaves only the groups consuming the topic to delete.
     */
    private Set<String> subscriptionGroups(Map<String, BrokerData> masters, String topic) {
        Set<String> groups = new java.util.HashSet<>();
        for (BrokerData broker : masters.values()) {
            try {
                groups.addAll(admin.getAllSubscriptionGroup(broker.getBrokerAddrs().get(MixAll.MASTER_ID),
                        config.adminTimeout().toMillis()).getSubscriptionGroupTable().keySet());
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw failure(config, "listing the subscription groups of broker " + broker.getBrokerName(), e);
                }
                LOG.warn("Could not list the subscription groups of broker {} to delete those of RocketMQ topic {} "
                        + "(only the groups consuming it are deleted): {}", broker.getBrokerName(), topic,
                        e.toString());
            }
        }
        return groups;
    }

    /**
     * Deletes {@code groups} of deleted topic {@code topic} on every master, then their {@code %RETRY%} and
     * {@code %DLQ%} topics. {@code of} says what the topic was, for messages.
     */
    private void deleteGroups(List<String> groups, String topic, String of, Map<String, BrokerData> masters,
                              Set<String> clusters) {
        for (String group : groups) {
            for (BrokerData broker : masters.values()) {
                try {
                    admin.deleteSubscriptionGroup(broker.getBrokerAddrs().get(MixAll.MASTER_ID), group, true);
                } catch (Exception e) {
                    if (isNotFound(e)) {
                        continue; // on another master only
                    }
                    if (AccessRefusals.remarkOf(e).isPresent()) {
                        throw failure(config, RequestCode.DELETE_SUBSCRIPTIONGROUP, "deleting RocketMQ subscription "
                                + "group " + group + " of topic " + topic + of + " (the topic is deleted; the group is "
                                + "left on broker " + broker.getBrokerName() + ": grant the permission and delete it "
                                + "with mqadmin deleteSubGroup)", e);
                    }
                    LOG.warn("Could not delete RocketMQ subscription group {} of deleted topic {} on broker {}: {}",
                            group, topic, broker.getBrokerName(), e.toString());
                }
            }
        }
        for (String group : groups) {
            // the broker made the group's retry topic (and its dead-letter queue, if any) for it: deleting the group
            // leaves them, so they go here too (a group of another topic by the same name cannot exist: the name
            // holds this topic and a hash)
            for (String groupTopic : List.of(MixAll.getRetryTopic(group), MixAll.getDLQTopic(group))) {
                deleteGroupTopic(groupTopic, group, topic, clusters);
            }
        }
    }

    /**
     * Deletes {@code group}, a group of Keel's own use (a reprocess's reader: {@code <clientId>-replay-reader-...}),
     * on every master, with the {@code %RETRY%} topic the broker made for it. Never fails: a group not found is
     * skipped, and what cannot be deleted (the ACL refuses {@code Delete} on the group, a broker is unreachable) is
     * left and logged at WARN, saying how to delete it.
     */
    void deleteOwnGroup(String group, String grant) {
        Map<String, BrokerData> masters;
        try {
            masters = mastersNow();
        } catch (RuntimeException e) {
            LOG.warn("RocketMQ subscription group {} is left: cannot ask name server {} for the brokers to delete it: "
                    + "{}", group, config.nameServer(), e.toString());
            return;
        }
        Set<String> clusters = new java.util.TreeSet<>();
        boolean deleted = true;
        for (BrokerData broker : masters.values()) {
            clusters.add(broker.getCluster());
            try {
                admin.deleteSubscriptionGroup(broker.getBrokerAddrs().get(MixAll.MASTER_ID), group, true);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (isNotFound(e)) {
                    continue;
                }
                deleted = false;
                LOG.warn("RocketMQ subscription group {} and its topic {} are left on broker {}: {}{}; delete them with "
                        + "mqadmin deleteSubGroup -c {} -g {} and mqadmin deleteTopic -c {} -t {}", group,
                        MixAll.getRetryTopic(group), broker.getBrokerName(), AccessRefusals.remarkOf(e).isPresent()
                                ? "the broker refused to delete it (" + grant + ")" : "could not delete it",
                        AccessRefusals.remarkOf(e).isPresent() ? "" : " (" + e + ")", broker.getCluster(), group,
                        broker.getCluster(), MixAll.getRetryTopic(group));
            }
        }
        if (!deleted) {
            return;
        }
        // checked as its group by an ACL 2.0 broker; RocketMQ makes it when the group sends its first heartbeat
        String retryTopic = MixAll.getRetryTopic(group);
        for (String cluster : clusters) {
            try {
                admin.deleteTopic(retryTopic, cluster);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (!isNotFound(e)) {
                    LOG.warn("RocketMQ topic {} of deleted group {} is left in cluster {}: {}; delete it with mqadmin "
                            + "deleteTopic -c {} -t {}", retryTopic, group, cluster, e.toString(), cluster, retryTopic);
                }
            }
        }
    }

    /**
     * Deletes {@code groupTopic}, RocketMQ's retry or dead-letter topic of {@code group}, on every master of each
     * cluster and on the name servers, when the name server routes it; one that does not exist is no error. A
     * refusal by the broker's ACL is an {@link dev.keel.AccessRefusedException} naming it; other failures are logged,
     * as for the groups.
     */
    private void deleteGroupTopic(String groupTopic, String group, String topic, Set<String> clusters) {
        // only one the name server routes: a broker with ACLs checks Delete on a %DLQ% topic even when it does not
        // exist (a %RETRY% topic is checked as its group, which deleting the group needed already)
        if (route(groupTopic).isEmpty()) {
            return;
        }
        for (String cluster : clusters) {
            try {
                admin.deleteTopic(groupTopic, cluster);
            } catch (Exception e) {
                if (isNotFound(e)) {
                    continue;
                }
                if (AccessRefusals.remarkOf(e).isPresent()) {
                    throw failure(config, RequestCode.DELETE_TOPIC_IN_BROKER, "deleting RocketMQ topic " + groupTopic
                            + " of group " + group + " of deleted topic " + topic + " (the topic and the group are "
                            + "deleted; " + groupTopic + " is left in cluster " + cluster + ": grant the permission "
                            + "and delete it with mqadmin deleteTopic -c " + cluster + " -t " + groupTopic + ")", e);
                }
                LOG.warn("Could not delete RocketMQ topic {} of group {} of deleted topic {} in cluster {}: {}",
                        groupTopic, group, topic, cluster, e.toString());
            }
        }
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

    /**
     * The master brokers the name server knows, waited for within {@code adminTimeout} when it knows none: a broker
     * restarting, or one the name server dropped (a missed heartbeat, a closed channel) registers again at its next
     * heartbeat, and a declaration made in between failed saying to start a broker.
     */
    private Map<String, BrokerData> masters() {
        long deadline = System.nanoTime() + config.adminTimeout().toNanos();
        while (true) {
            Map<String, BrokerData> masters = mastersNow();
            if (!masters.isEmpty()) {
                return masters;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new BrokerUnavailableException("name server " + config.nameServer() + " knew no RocketMQ master "
                        + "broker for " + config.adminTimeout() + " (adminTimeout): start a broker registered with it",
                        null);
            }
            LockSupport.parkNanos(MASTERS_POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                throw new BrokerUnavailableException("interrupted while waiting for name server " + config.nameServer()
                        + " to know a RocketMQ master broker", null);
            }
        }
    }

    /** Whether the name server knows a master broker now (no wait). */
    boolean knowsAMaster() {
        return !mastersNow().isEmpty();
    }

    private Map<String, BrokerData> mastersNow() {
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

    /**
     * The failure of {@code what}, request {@code requestCode} (-1: several or not known), as a typed exception: a
     * request that could not be sent because the name servers are listeners of the other kind than the adapter's (TLS
     * or plaintext, {@link RocketListeners}) is an {@link dev.keel.AccessRefusedException}, not an outage.
     */
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
            Optional<String> mismatch = RocketListeners.mismatch(config);
            if (mismatch.isPresent()) {
                return new dev.keel.AccessRefusedException(what + " failed: " + mismatch.get(), e);
            }
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
