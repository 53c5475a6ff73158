package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import dev.keel.rabbit.QueueType;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The member count of a group whose members register on member queues of both forms, on a real broker. */
@UsesBrokers(BrokerKind.RABBIT)
class TopicMetadataTest {

    private ManagedConnection publishing;
    private Connection members;
    private Topology topology;

    @BeforeEach
    void open() {
        Connector connector = new Connector(RabbitConfig.custom().uri(Brokers.rabbit().uri())
                .connectionName("keel-test").build());
        publishing = new ManagedConnection(connector, "publish", Duration.ofSeconds(1), System::nanoTime);
        members = connector.open("members", false);
        topology = new Topology(publishing, QueueType.QUORUM, 8);
    }

    @AfterEach
    void close() throws Exception {
        members.close();
        publishing.close();
    }

    @Test
    void membersOfAnEarlierReleaseAndOfThisOneShouldCountEachOther() throws Exception {
        String topic = UniqueNames.of("both-forms");
        try (Channel admin = publishing.openChannel()) {
            // what an earlier release declared for the group: its classic member queue (the rest does not matter here)
            admin.queueDeclare(MetadataQueues.CLASSIC.members(topic, "g"), true, false, false,
                    Map.of("x-queue-type", "classic"));
            admin.queueDeclare(MetadataQueues.QUORUM.members(topic, "g"), true, false, false,
                    Map.of("x-queue-type", "quorum"));
        }
        assertThat(topology.membersQueue(topic, "g")).as("where this release's members register")
                .isEqualTo(topic + ".g.keel-members");
        register(MetadataQueues.CLASSIC.members(topic, "g")); // a member of an earlier release
        register(MetadataQueues.CLASSIC.members(topic, "g"));
        register(topology.membersQueue(topic, "g")); // a member of this release

        assertThat(topology.memberCount(topic, "g")).isEqualTo(3);
    }

    @Test
    void aGroupWithoutAClassicMemberQueueShouldBeCountedFromItsQuorumOne() throws Exception {
        String topic = UniqueNames.of("quorum-form");
        try (Channel admin = publishing.openChannel()) {
            admin.queueDeclare(MetadataQueues.QUORUM.members(topic, "g"), true, false, false,
                    Map.of("x-queue-type", "quorum"));
        }
        register(topology.membersQueue(topic, "g"));
        register(topology.membersQueue(topic, "g"));

        assertThat(topology.memberCount(topic, "g")).isEqualTo(2);
        assertThat(topology.memberCount(topic, "g")).as("asked again, the missing classic queue remembered")
                .isEqualTo(2);
    }

    private void register(String queue) throws Exception {
        Channel channel = members.createChannel();
        channel.basicConsume(queue, false, new DefaultConsumer(channel));
    }
}
