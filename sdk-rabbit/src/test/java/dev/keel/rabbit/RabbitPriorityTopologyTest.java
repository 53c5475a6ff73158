package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.spi.Capability;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.Test;

/** Topics with message priorities: classic lane queues only, and fixed once declared. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitPriorityTopologyTest {

    @Test
    void priorityShouldBeDeclaredOnlyWithClassicQueues() {
        try (RabbitAdapter quorum = new RabbitAdapter(RabbitTestSupport.config().build());
             RabbitAdapter classic = new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC)
                     .build())) {
            assertThat(quorum.capabilities()).doesNotContain(Capability.PRIORITY);
            assertThat(classic.capabilities()).contains(Capability.PRIORITY);
        }
    }

    @Test
    void topicWithPrioritiesShouldBeRefusedUnderQuorumQueues() {
        String topic = RabbitTestSupport.unique("prio-quorum");
        try (RabbitAdapter quorum = new RabbitAdapter(RabbitTestSupport.config().build())) {
            TopicSpec spec = TopicSpec.builder(topic).partitions(2).maxPriority(5).group("g").build();

            assertThatThrownBy(() -> quorum.ensureTopology(spec)).isInstanceOf(TopologyException.class)
                    .hasMessageContaining("x-max-priority").hasMessageContaining("QueueType.CLASSIC");
            assertThat(quorum.describeTopology(topic)).as("nothing declared").isEmpty();
        }
    }

    @Test
    void maxPriorityOfAnExistingTopicShouldNotChange() {
        String topic = RabbitTestSupport.unique("prio-fixed");
        try (RabbitAdapter classic = new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC)
                .build())) {
            TopicSpec spec = TopicSpec.builder(topic).partitions(2).maxPriority(5).group("g").build();
            classic.ensureTopology(spec);
            classic.ensureTopology(spec);

            assertThat(classic.describeTopology(topic).orElseThrow().maxPriority()).isEqualTo(5);
            assertThatThrownBy(() -> classic.ensureTopology(TopicSpec.from(spec).maxPriority(9).build()))
                    .isInstanceOf(TopologyException.class).hasMessageContaining("maxPriority 5 (requested 9");
            assertThatThrownBy(() -> classic.ensureTopology(TopicSpec.from(spec).maxPriority(0).build()))
                    .isInstanceOf(TopologyException.class).hasMessageContaining("maxPriority 5 (requested 0");
            classic.ensureTopology(TopicSpec.from(spec).group("added").build());
            assertThat(classic.describeTopology(topic).orElseThrow().groups()).contains("g", "added");
            classic.deleteTopology(topic);
        }
    }
}
