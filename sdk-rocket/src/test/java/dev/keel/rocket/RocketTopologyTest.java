package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.TopicSpec;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
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
