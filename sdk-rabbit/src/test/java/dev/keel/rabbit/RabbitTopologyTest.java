package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.UnroutableException;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.support.KeyHash;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Declaring, describing and deleting topics, and what a consumer ensures, on a real broker. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitTopologyTest {

    private RabbitAdapter adapter;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void ensureTopologyShouldBeSilentTheSecondTimeAndRefuseAnotherPartitionCountWithTopologyException() {
        String topic = RabbitTestSupport.unique("declared");
        TopicSpec spec = TopicSpec.builder(topic).partitions(3).group("a").group("b").build();
        adapter.ensureTopology(spec);
        adapter.ensureTopology(spec);
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().build())) {
            other.ensureTopology(spec);
            assertThatThrownBy(() -> other.ensureTopology(TopicSpec.builder(topic).partitions(4).group("a").build()))
                    .isInstanceOf(TopologyException.class)
                    .hasMessageContaining("partitions 3 (requested 4)")
                    .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        }
        assertThat(adapter.describeTopology(topic)).contains(spec);
    }

    @Test
    void anotherQueueTypeShouldFailWithTopologyExceptionNamingBoth() {
        String topic = RabbitTestSupport.unique("typed");
        TopicSpec spec = TopicSpec.builder(topic).partitions(2).group("g").build();
        adapter.ensureTopology(spec);
        try (RabbitAdapter classic = new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC).build())) {
            assertThatThrownBy(() -> classic.ensureTopology(spec))
                    .isInstanceOf(TopologyException.class)
                    .hasMessageContaining("x-queue-type").hasMessageContaining("classic").hasMessageContaining("quorum");
        }
    }

    @Test
    void ensureTopologyShouldDeclareNoDeadLetterTopic() {
        String topic = RabbitTestSupport.unique("no-dlt");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("a").build());

        assertThat(adapter.describeTopology(topic + ".DLT")).isEmpty();
        assertThatThrownBy(() -> adapter.producer().send(Records.keyed(topic + ".DLT", "k", "x")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS)).cause().isInstanceOf(UnroutableException.class);
    }

    @Test
    void aConsumerShouldDeclareItsGroupAndItsDeadLetterTopicWithTheGroupKeepingDeadLetters() throws Exception {
        String topic = RabbitTestSupport.unique("owner");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("a").build());

        start(new ConsumerSettings(topic, "b", 16, Duration.ofSeconds(5), Optional.of(topic + ".DLT")));

        assertThat(adapter.describeTopology(topic).orElseThrow().groups()).containsExactlyInAnyOrder("a", "b");
        assertThat(adapter.describeTopology(topic + ".DLT")).contains(TopicSpec.builder(topic + ".DLT").partitions(2)
                .group("b").build());
        String partition = adapter.producer().send(Records.keyed(topic + ".DLT", "k", "dead")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS).partition();
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(topic + ".DLT.b." + partition)).isEqualTo(1);
        }
    }

    @Test
    void anExistingDeadLetterTopicShouldBeUsedAsItIs() {
        // the old quick start declared orders.DLT by hand, with other settings than Keel would give it
        String topic = RabbitTestSupport.unique("orders");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group("billing").build());
        adapter.ensureTopology(TopicSpec.builder(topic + ".DLT").partitions(1).group("ops").build());

        start(new ConsumerSettings(topic, "billing", 16, Duration.ofSeconds(5), Optional.of(topic + ".DLT")));

        assertThat(adapter.describeTopology(topic + ".DLT")).contains(TopicSpec.builder(topic + ".DLT").partitions(1)
                .group("ops").group("billing").build());
    }

    @Test
    void aConsumerInAnotherProcessShouldUseTheGroupsAsDeclaredWithTheirReplicas() {
        String topic = RabbitTestSupport.unique("replicated");
        TopicSpec spec = TopicSpec.builder(topic).partitions(2).replicationFactor(3).minInSyncReplicas(2)
                .group("g").build();
        adapter.ensureTopology(spec);
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().build())) {
            BrokerConsumer consumer = other.consumer(new ConsumerSettings(topic, "g", 16, Duration.ofSeconds(5),
                    Optional.of(topic + ".DLT")));
            consumer.start(new RecordingSink(true));
            consumer.close().toCompletableFuture().join();
        }
        assertThat(adapter.describeTopology(topic + ".DLT")).contains(TopicSpec.builder(topic + ".DLT").partitions(2)
                .replicationFactor(3).minInSyncReplicas(2).group("g").build());
    }

    @Test
    void deleteShouldRemoveEveryQueueOfEveryGroupAndDescribeShouldThenBeEmpty() throws Exception {
        String topic = RabbitTestSupport.unique("doomed");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("a").group("b").build());
        start(new ConsumerSettings(topic, "c", 16, Duration.ofSeconds(5)));
        adapter.producer().send(Records.keyed(topic, "k", "x")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(adapter.describeTopology(topic).orElseThrow().groups()).containsExactlyInAnyOrder("a", "b", "c");

        adapter.deleteTopology(topic);

        assertThat(adapter.describeTopology(topic)).isEmpty();
        List<String> left = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            for (String queue : List.of(topic + "." + name + ".0", topic + "." + name + ".1", topic + "." + name + ".dlq",
                    topic + "." + name + ".members", topic + "." + name + ".keel-members")) {
                if (queueExists(queue)) {
                    left.add(queue);
                }
            }
        }
        for (String queue : List.of(topic + ".keel-lanes", topic + ".keel-topology", topic + ".keel-partitions",
                topic + ".keel-record")) {
            if (queueExists(queue)) {
                left.add(queue);
            }
        }
        assertThat(left).as("queues left behind").isEmpty();
        adapter.deleteTopology(topic); // nothing left: silent
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(3).group("a").build());
        assertThat(adapter.describeTopology(topic)).contains(TopicSpec.builder(topic).partitions(3).group("a").build());
    }

    @Test
    void aTopicDeclaredByTheReleasedVersionShouldKeepWorkingAndBeCopiedIntoQuorumQueues() throws Exception {
        String topic = RabbitTestSupport.unique("released");
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            ReleasedTopology.declare(raw.channel(), topic, "g", 3);
        }
        TopicSpec spec = TopicSpec.builder(topic).partitions(3).group("g").build();
        // this version, before anything is copied: it reads the classic marker and record
        try (RabbitAdapter fresh = new RabbitAdapter(RabbitTestSupport.config().build())) {
            assertThat(fresh.describeTopology(topic)).contains(spec);
            String partition = fresh.producer().send(Records.keyed(topic, "k1", "x")).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).partition();
            assertThat(partition).isEqualTo(Integer.toString(KeyHash.laneOf("k1", 3)));
        }
        assertThat(queueExists(topic + ".keel-partitions")).as("nothing copied by reading").isFalse();

        // a subscription copies what its group needs; declaring the topic copies the rest
        start(new ConsumerSettings(topic, "g", 16, Duration.ofSeconds(5)));
        adapter.ensureTopology(spec);

        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(topic + ".keel-partitions")).as("the quorum marker").isEqualTo(3);
            assertThat(raw.ready(topic + ".keel-record")).as("the quorum record: the topic and group g").isEqualTo(2);
            assertThat(raw.ready(topic + ".g.keel-members")).as("the quorum member queue").isZero();
        }
        adapter.ensureTopology(spec);
        assertThat(adapter.describeTopology(topic)).contains(spec);
        adapter.deleteTopology(topic);
        for (String queue : List.of(topic + ".keel-lanes", topic + ".keel-topology", topic + ".keel-partitions",
                topic + ".keel-record", topic + ".g.members", topic + ".g.keel-members", topic + ".g.0")) {
            assertThat(queueExists(queue)).as(queue + " deleted").isFalse();
        }
    }

    /**
     * A reader of a topic's record holds its messages while it reads, and a queue counts only its ready messages:
     * a delete that read the record meanwhile saw no group and left every group's queues behind (a CI rehearsal
     * caught it with a consumer reading the record at the time). Here another client holds the whole record for
     * 200 ms while the topic is deleted.
     */
    @Test
    void aDeleteWhileAnotherClientReadsTheRecordShouldStillRemoveEveryGroupsQueues() throws Exception {
        String topic = RabbitTestSupport.unique("held");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("a").group("b").build());
        CompletableFuture<Void> deleted;
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            while (raw.channel().basicGet(topic + ".keel-record", false) != null) {
                // held unacknowledged until the channel closes, as a reader holds them
            }
            deleted = CompletableFuture.runAsync(() -> adapter.deleteTopology(topic));
            Thread.sleep(200); // the fault's length: the record stays held this long, whatever the delete does
        }
        deleted.get(30, TimeUnit.SECONDS);

        List<String> left = new ArrayList<>();
        for (String queue : List.of(topic + ".a.0", topic + ".a.1", topic + ".b.0", topic + ".b.1", topic + ".a.dlq",
                topic + ".b.dlq", topic + ".keel-record", topic + ".keel-partitions")) {
            if (queueExists(queue)) {
                left.add(queue);
            }
        }
        assertThat(left).as("queues left behind").isEmpty();
    }

    @Test
    void anAdapterWithClassicQueuesShouldKeepTheMetadataInClassicQueuesAsBefore() throws Exception {
        String topic = RabbitTestSupport.unique("classic-meta");
        try (RabbitAdapter classic = new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC)
                .build())) {
            classic.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            assertThat(classic.describeTopology(topic)).contains(TopicSpec.builder(topic).partitions(2).group("g")
                    .build());
        }
        assertThat(queueExists(topic + ".keel-lanes")).isTrue();
        assertThat(queueExists(topic + ".keel-topology")).isTrue();
        assertThat(queueExists(topic + ".g.members")).isTrue();
        assertThat(queueExists(topic + ".keel-partitions")).isFalse();
        assertThat(queueExists(topic + ".keel-record")).isFalse();
        assertThat(queueExists(topic + ".g.keel-members")).isFalse();
    }

    private void start(ConsumerSettings settings) {
        BrokerConsumer consumer = adapter.consumer(settings);
        consumer.start(new RecordingSink(true));
        consumer.close().toCompletableFuture().join();
    }

    private boolean queueExists(String queue) throws Exception {
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            raw.ready(queue);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
