package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.ReplayResult;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.rocket.internal.RocketSender;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Declaring and deleting topics and their RocketMQ groups on the harness's RocketMQ. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketTopologyTest {

    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final DefaultMQAdminExt tools = new DefaultMQAdminExt(10_000);

    @BeforeEach
    void startTools() throws Exception {
        tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        tools.setInstanceName(RocketTestSupport.unique("topology-tools"));
        tools.start();
    }

    @AfterEach
    void close() {
        tools.shutdown();
        adapter.close();
    }

    @Test
    void deleteTopologyShouldKeepAForeignGroupThatConsumesTheTopic() throws Exception {
        String topic = RocketTestSupport.unique("shared");
        String keelGroup = "billing";
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group(keelGroup).build());
        String keelRocketGroup = RocketAdapter.rocketGroupOf(keelGroup, topic);
        // an application that is not Keel reads the topic in a group whose name ends like Keel's old scheme
        String foreign = "legacy_" + topic;
        List<String> masters = masters();
        for (String master : masters) {
            SubscriptionGroupConfig config = new SubscriptionGroupConfig();
            config.setGroupName(foreign);
            tools.createAndUpdateSubscriptionGroupConfig(master, config);
        }
        MessageQueue queue = new MessageQueue(topic, brokerName(), 0);
        for (String master : masters) {
            tools.updateConsumeOffset(master, foreign, queue, 0);
            tools.updateConsumeOffset(master, keelRocketGroup, queue, 0);
        }
        assertThat(tools.queryTopicConsumeByWho(topic).getGroupList()).as("groups consuming the topic")
                .contains(foreign, keelRocketGroup);

        adapter.deleteTopology(topic);

        for (String master : masters) {
            assertThat(tools.examineSubscriptionGroupConfig(master, foreign)).as("foreign group %s", foreign)
                    .isNotNull();
            assertThat(groupExists(master, keelRocketGroup)).as("Keel's group %s", keelRocketGroup).isFalse();
        }
    }

    @Test
    void deleteTopologyShouldDeleteTheRetryTopicsOfTheGroupsThatConsumed() throws Exception {
        String topic = RocketTestSupport.unique("consumed");
        String group = RocketTestSupport.unique("reader");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
        BrokerProducer producer = adapter.producer();
        for (int i = 0; i < 4; i++) {
            producer.send(RocketTestSupport.record(topic, "m-" + i, "key-" + i, "m-" + i)).toCompletableFuture().join();
        }
        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);
        RocketReceiver receiver = (RocketReceiver) adapter.consumer(new ConsumerSettings(topic, group, 100,
                Duration.ofSeconds(10)));
        receiver.start(sink);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.records.size() >= 4);
        } finally {
            receiver.close().toCompletableFuture().join();
        }
        String rocketGroup = RocketAdapter.rocketGroupOf(group, topic);
        // the broker made the group's retry topic when the group consumed: what deleteTopology must remove too
        await().atMost(Duration.ofSeconds(30)).until(() -> topicsNaming(group).contains(MixAll.RETRY_GROUP_TOPIC_PREFIX
                + rocketGroup));

        adapter.deleteTopology(topic);

        assertThat(topicsNaming(group)).as("topics naming group %s after deleteTopology(%s)", group, topic).isEmpty();
        for (String master : masters()) {
            assertThat(groupExists(master, rocketGroup)).as("Keel's group %s", rocketGroup).isFalse();
            assertThat(tools.getAllTopicConfig(master, 10_000).getTopicConfigTable().keySet())
                    .as("topics of broker %s", master).noneMatch(t -> t.contains(group));
        }
    }

    /**
     * What Keel derived from a topic: a group declared and never used, a group that consumed, and a NON_BLOCKING
     * group's retry topic {@code T_<group>_RETRY} with its own group and that group's {@code %RETRY%} topic; the
     * dead-letter topic's groups (declared by each subscription, never consumed). After {@code deleteTopology(T)} and
     * {@code deleteTopology(T_DLT)} no topic and no group naming the topic is left.
     */
    @Test
    void deleteTopologyShouldDeleteTheRetryTopicsAndTheGroupsKeelDerivedFromTheTopic() throws Exception {
        String topic = RocketTestSupport.unique("derived");
        String retryTopic = adapter.retryTopic(topic, "nb");
        try (Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").group("nb").group("idle").build());
            Set<String> got = ConcurrentHashMap.newKeySet();
            Set<String> gotNonBlocking = ConcurrentHashMap.newKeySet();
            AtomicBoolean failedOnce = new AtomicBoolean();
            Subscription plain = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> got.add(d.payload()));
            Subscription nonBlocking = keel.subscribe(SubscriptionConfig.builder(topic, "nb", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.UNORDERED)
                    .retryMode(RetryMode.NON_BLOCKING).retryPolicy(RetryPolicy.custom().maxAttempts(3)
                            .initialBackoff(Duration.ofSeconds(1)).build()).build(), d -> {
                                if (d.payload().equals("m-1") && failedOnce.compareAndSet(false, true)) {
                                    throw new IllegalStateException("fails once, retried through " + retryTopic);
                                }
                                gotNonBlocking.add(d.payload());
                            });
            for (int i = 0; i < 4; i++) {
                keel.publisher(topic, Codec.utf8()).message("m-" + i).key("k-" + i).publish();
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> got.size() == 4 && gotNonBlocking.size() == 4);
            plain.close();
            nonBlocking.close();
        }
        String retryGroup = RocketAdapter.rocketGroupOf("nb", retryTopic);
        // the retry topic's group consumed it: the broker made its %RETRY% topic, which must go too
        await().atMost(Duration.ofSeconds(30)).until(() -> topicsNaming(topic).containsAll(List.of(retryTopic,
                MixAll.RETRY_GROUP_TOPIC_PREFIX + retryGroup)));

        adapter.deleteTopology(topic);
        adapter.deleteTopology(adapter.defaultDeadLetterTopic(topic));

        assertThat(topicsNaming(topic)).as("topics naming %s on the name server", topic).isEmpty();
        for (String master : masters()) {
            assertThat(groupsNaming(master, topic)).as("groups naming %s on %s", topic, master).isEmpty();
            assertThat(tools.getAllTopicConfig(master, 10_000).getTopicConfigTable().keySet())
                    .as("topics of broker %s", master).noneMatch(t -> t.contains(topic));
        }
    }

    /**
     * Names are matched exactly to Keel's scheme: deleting {@code T} keeps the groups and retry topic of a topic that
     * {@code T} is a prefix of ({@code T_b}, whose retry topic of group {@code g}, {@code T_b_g_RETRY}, reads as the
     * retry topic of a group {@code b_g} of {@code T}) and the groups of a topic that ends with {@code T}.
     */
    @Test
    void deleteTopologyShouldKeepTheGroupsAndRetryTopicsOfTopicsWhoseNamesContainTheTopic() throws Exception {
        String topic = RocketTestSupport.unique("kept");
        String longer = topic + "_b";
        String ending = "b_" + topic;
        String longerRetry = adapter.retryTopic(longer, "g");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
        adapter.ensureTopology(TopicSpec.builder(longer).partitions(1).group("g").build());
        adapter.ensureRetryTopic(longer, TopicSpec.builder(longerRetry).partitions(1).group("g").build());
        adapter.ensureTopology(TopicSpec.builder(ending).partitions(1).group("g").build());
        assertThat(longerRetry).as("the retry topic of g on %s", longer).isEqualTo(adapter.retryTopic(topic, "b_g"));
        try {
            adapter.deleteTopology(topic);

            assertThat(adapter.describeTopology(topic)).as("the deleted topic").isEmpty();
            for (String kept : List.of(longer, longerRetry, ending)) {
                assertThat(adapter.describeTopology(kept)).as("topic %s", kept).isPresent();
            }
            for (String master : masters()) {
                assertThat(groupExists(master, RocketAdapter.rocketGroupOf("g", topic))).as("g on the deleted topic")
                        .isFalse();
                for (String kept : List.of(longer, longerRetry, ending)) {
                    String group = RocketAdapter.rocketGroupOf("g", kept);
                    assertThat(groupExists(master, group)).as("group %s of topic %s", group, kept).isTrue();
                }
            }
        } finally {
            adapter.deleteTopology(longer);
            adapter.deleteTopology(ending);
        }
    }

    /**
     * A reprocess reads the range's ids with a pull consumer in a group of its own, new on each run
     * ({@code <clientId>-replay-reader-<suffix>}): the group, and the {@code %RETRY%} topic the broker made for it,
     * are deleted when the reprocess ends, so none accumulates.
     */
    @Test
    void aReprocessShouldLeaveNoGroupOfItsReaderBehind() throws Exception {
        String clientId = RocketTestSupport.unique("replayer");
        String readerGroups = clientId + "-replay-reader-";
        String topic = RocketTestSupport.unique("reprocessed");
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        try (RocketAdapter replaying = new RocketAdapter(RocketTestSupport.config().clientId(clientId)
                .adminTimeout(Duration.ofSeconds(30)).build());
             Keel keel = Keel.builder(replaying).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            Instant from = Instant.now().minusSeconds(5);
            Set<String> got = ConcurrentHashMap.newKeySet();
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), d -> got.add(d.payload()));
            for (int i = 0; i < 4; i++) {
                keel.publisher(topic, Codec.utf8()).message("m-" + i).key("k-" + i).publish();
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> got.size() == 4);
            subscription.close();

            ReplayResult result = keel.reprocess(topic, "g", from);

            assertThat(result.forgotten()).as("done marks forgotten").isEqualTo(4);
            for (String master : masters()) {
                assertThat(groupsNaming(master, readerGroups)).as("reader groups on %s", master).isEmpty();
                assertThat(tools.getAllTopicConfig(master, 10_000).getTopicConfigTable().keySet())
                        .as("topics of broker %s", master).noneMatch(t -> t.contains(readerGroups));
            }
            assertThat(topicsNaming(readerGroups)).as("topics naming the reader groups").isEmpty();
            replaying.deleteTopology(topic);
        }
    }

    @Test
    void aTopicMissingOnAMasterShouldNotCountAsDeclared() throws Exception {
        String topic = RocketTestSupport.unique("partial");
        TopicSpec spec = TopicSpec.builder(topic).partitions(2).build();
        adapter.ensureTopology(spec);
        String cluster = tools.examineBrokerClusterInfo().getBrokerAddrTable().values().iterator().next().getCluster();
        String missing = RocketTestSupport.unique("absent-master");
        try (RegisteredMaster absent = new RegisteredMaster(Brokers.rocket().nameServerAddress(), cluster, missing,
                "127.0.0.1:1")) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> tools.examineBrokerClusterInfo().getBrokerAddrTable().containsKey(missing));

            // the topic is on the harness's master only: declaring it again must create it on the other
            // master, which cannot be reached here, so the declaration fails naming that master
            assertThatThrownBy(() -> adapter.ensureTopology(spec)).isInstanceOf(KeelException.class)
                    .hasMessageContaining(missing);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !tools.examineBrokerClusterInfo().getBrokerAddrTable().containsKey(missing));
        adapter.ensureTopology(spec);
    }

    @Test
    void deleteTopologyShouldDropTheProducersSendStateOfTheTopic() {
        String topic = RocketTestSupport.unique("dropped");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        RocketSender producer = (RocketSender) adapter.producer();
        for (int i = 0; i < 8; i++) {
            producer.send(RocketTestSupport.record(topic, "m-" + i, "key-" + i, "m")).toCompletableFuture().join();
        }
        assertThat(producer.lanesOf(topic)).as("queues with send state while the topic is used").isPositive();

        adapter.deleteTopology(topic);

        assertThat(producer.lanesOf(topic)).as("queues of the deleted topic with send state").isZero();
    }

    /** The topics the name server lists whose name contains {@code group}. */
    private List<String> topicsNaming(String group) throws Exception {
        List<String> found = new ArrayList<>();
        for (String topic : tools.fetchAllTopicList().getTopicList()) {
            if (topic.contains(group)) {
                found.add(topic);
            }
        }
        return found;
    }

    /** The subscription groups of broker {@code master} whose name contains {@code text}. */
    private List<String> groupsNaming(String master, String text) throws Exception {
        return tools.getAllSubscriptionGroup(master, 10_000).getSubscriptionGroupTable().keySet().stream()
                .filter(g -> g.contains(text)).toList();
    }

    private boolean groupExists(String master, String group) {
        try {
            return tools.examineSubscriptionGroupConfig(master, group) != null;
        } catch (Exception notFound) {
            return false;
        }
    }

    private List<String> masters() throws Exception {
        List<String> masters = new ArrayList<>();
        for (BrokerData broker : tools.examineBrokerClusterInfo().getBrokerAddrTable().values()) {
            masters.add(broker.getBrokerAddrs().get(MixAll.MASTER_ID));
        }
        return masters;
    }

    private String brokerName() throws Exception {
        return tools.examineBrokerClusterInfo().getBrokerAddrTable().keySet().iterator().next();
    }
}
