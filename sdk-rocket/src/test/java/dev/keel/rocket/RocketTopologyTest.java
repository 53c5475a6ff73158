package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.rocket.internal.RocketSender;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
