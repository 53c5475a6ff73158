package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Declaring, describing and deleting topics, and the dead-letter topic a consumer ensures, on a real broker. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaTopologyTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private KafkaAdapter adapter;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void ensureTopologyShouldCreateTheTopicAloneAndBeSilentTheSecondTime() throws Exception {
        String topic = KafkaTestSupport.unique("declared");
        TopicSpec spec = TopicSpec.builder(topic).partitions(3).replicationFactor(1).minInSyncReplicas(1)
                .group("g1").build();

        adapter.ensureTopology(spec);
        adapter.ensureTopology(spec);

        assertThat(adapter.describeTopology(topic)).contains(TopicSpec.builder(topic).partitions(3).build());
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            assertThat(admin.listTopics().names().get()).contains(topic).doesNotContain(topic + ".DLT");
        }
    }

    @Test
    void fewerPartitionsThanRequestedShouldFailWithTopologyExceptionAndChangeNothing() throws Exception {
        String topic = KafkaTestSupport.unique("fewer");
        KafkaTestSupport.createTopic(bootstrap, topic, 2);

        assertThatThrownBy(() -> adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build()))
                .isInstanceOf(TopologyException.class)
                .hasMessageContaining(topic).hasMessageContaining("partitions 2 (requested 4)")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(adapter.describeTopology(topic)).map(TopicSpec::partitions).contains(2);
    }

    @Test
    void morePartitionsThanRequestedShouldBeAcceptedAsTheyAre() throws Exception {
        String topic = KafkaTestSupport.unique("more");
        KafkaTestSupport.createTopic(bootstrap, topic, 4);

        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());

        assertThat(adapter.describeTopology(topic)).map(TopicSpec::partitions).contains(4);
    }

    @Test
    void anotherMinInSyncReplicasShouldFailWithTopologyExceptionNamingBoth() throws Exception {
        String topic = KafkaTestSupport.unique("isr");
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1")))).all().get();
        }
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());

        assertThatThrownBy(() -> adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).replicationFactor(2)
                .minInSyncReplicas(2).build()))
                .isInstanceOf(TopologyException.class)
                .hasMessageContaining("replication factor 1 (requested 2)")
                .hasMessageContaining("min.insync.replicas 1 (requested 2)");
    }

    @Test
    void describeShouldBeEmptyOnceTheTopicIsDeleted() throws Exception {
        String topic = KafkaTestSupport.unique("deleted");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        assertThat(adapter.describeTopology(topic)).isPresent();

        adapter.deleteTopology(topic);

        assertThat(adapter.describeTopology(topic)).isEmpty();
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            assertThat(admin.listTopics().names().get()).doesNotContain(topic);
        }
        adapter.deleteTopology(topic); // nothing to delete: silent
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(3).build()); // the name is free again
        assertThat(adapter.describeTopology(topic)).map(TopicSpec::partitions).contains(3);
    }

    @Test
    void aConsumerShouldCreateItsDeadLetterTopicLikeItsTopicAndKeepAnExistingOne() throws Exception {
        String topic = KafkaTestSupport.unique("origin");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(3).build());

        start(new ConsumerSettings(topic, "g", 16, Duration.ofSeconds(5), Optional.of(topic + ".DLT")));

        assertThat(adapter.describeTopology(topic + ".DLT")).contains(TopicSpec.builder(topic + ".DLT").partitions(3)
                .build());
        String other = KafkaTestSupport.unique("origin");
        String shared = KafkaTestSupport.unique("dead");
        adapter.ensureTopology(TopicSpec.builder(other).partitions(2).build());
        KafkaTestSupport.createTopic(bootstrap, shared, 1);
        start(new ConsumerSettings(other, "g", 16, Duration.ofSeconds(5), Optional.of(shared)));
        assertThat(adapter.describeTopology(shared)).map(TopicSpec::partitions).contains(1);
    }

    @Test
    void subscribingToATopicThatDoesNotExistShouldFailClearly() throws Exception {
        String topic = KafkaTestSupport.unique("ghost");

        assertThatThrownBy(() -> adapter.consumer(new ConsumerSettings(topic, "g", 16, Duration.ofSeconds(5),
                Optional.of(topic + ".DLT"))))
                .isInstanceOf(KeelException.class).hasMessageContaining(topic).hasMessageContaining("ensureTopology");
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            assertThat(admin.listTopics().names().get()).doesNotContain(topic + ".DLT");
        }
    }

    private void start(ConsumerSettings settings) {
        BrokerConsumer consumer = adapter.consumer(settings);
        consumer.start(new RecordingSink());
        consumer.close().toCompletableFuture().join();
    }
}
