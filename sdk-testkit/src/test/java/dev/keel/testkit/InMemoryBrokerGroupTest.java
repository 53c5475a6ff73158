package dev.keel.testkit;

import static dev.keel.testkit.InMemoryBrokerTest.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Consumer groups of the in-memory broker: rebalancing, close, crashed members and committed offsets. */
class InMemoryBrokerGroupTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void tearDown() {
        consumers.forEach(BrokerConsumer::close);
        broker.close();
    }

    private BrokerConsumer start(RecordingSink sink, Duration revokeTimeout) {
        BrokerConsumer consumer = broker.consumer(new ConsumerSettings(TOPIC, GROUP, 1000, revokeTimeout));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    private BrokerConsumer start(RecordingSink sink) {
        return start(sink, Duration.ofSeconds(10));
    }

    private void publishKeyless(int partitions, int count) {
        broker.ensureTopology(TopicSpec.builder(TOPIC).partitions(partitions).group(GROUP).build());
        for (int i = 0; i < count; i++) {
            publish(broker, TOPIC, "m" + i, null);
        }
    }

    private static void ack(List<InboundRecord> records, long... offsets) {
        for (long offset : offsets) {
            records.stream().filter(r -> r.position() == offset).findFirst().orElseThrow().ack();
        }
    }

    @Test
    void joiningMemberShouldGetPartitionsOnlyAfterTheOwnerRevokedAndCommitted() {
        publishKeyless(4, 40); // 10 records per partition
        RecordingSink a = new RecordingSink("A", events, r -> r.position() < 5);
        start(a);
        await().atMost(PATIENCE).until(() -> a.received.size() == 40);
        CompletableFuture<Void> revokeDone = new CompletableFuture<>();
        a.revokeStage = revokeDone;

        RecordingSink b = RecordingSink.acking("B", events);
        start(b);
        await().atMost(PATIENCE).until(() -> a.revokes.size() == 1);
        assertThat(a.revokes.get(0)).containsExactly("1", "3");
        assertThat(b.received).as("nothing moves before the revoke completes").isEmpty();

        ack(a.from("1"), 5, 6);   // finishing work during the revoke: contiguous
        ack(a.from("3"), 8);      // not contiguous: offsets 5..9 stay uncommitted
        revokeDone.complete(null);

        await().atMost(PATIENCE).until(() -> b.received.size() == 8);
        assertThat(b.from("1")).extracting(InboundRecord::position).containsExactly(7L, 8L, 9L);
        assertThat(b.from("3")).extracting(InboundRecord::position).containsExactly(5L, 6L, 7L, 8L, 9L);
        assertThat(b.received).allSatisfy(r -> assertThat(r.deliveryCount()).isEqualTo(2));
        int revokeAt = events.indexOf("A.revoke [1, 3]");
        assertThat(events.subList(0, revokeAt)).noneMatch(e -> e.startsWith("B."));
        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP)
                .equals(Map.of(0, 5L, 1, 10L, 2, 5L, 3, 10L)));
    }

    @Test
    void revokeThatNeverCompletesShouldBeBoundedByTheRevokeTimeout() {
        broker = InMemoryBroker.builder().revokeMargin(Duration.ZERO).build();
        publishKeyless(2, 10);
        RecordingSink a = RecordingSink.holding("A", events);
        start(a, Duration.ofMillis(300));
        await().atMost(PATIENCE).until(() -> a.received.size() == 10);
        a.revokeStage = new CompletableFuture<>(); // never completes

        RecordingSink b = RecordingSink.acking("B", events);
        start(b);
        await().atMost(PATIENCE).until(() -> b.received.size() == 5);
        assertThat(b.received).extracting(InboundRecord::partition).containsOnly("1");
    }

    @Test
    void leavingMemberShouldHandItsPartitionsBackToTheOthers() {
        publishKeyless(2, 0);
        RecordingSink a = RecordingSink.acking("A", events);
        start(a);
        RecordingSink b = RecordingSink.acking("B", events);
        BrokerConsumer consumerB = start(b);
        AtomicInteger probes = new AtomicInteger();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
            publish(broker, TOPIC, "probe-" + probes.incrementAndGet(), null);
            return !b.received.isEmpty(); // B owns a partition
        });
        assertThat(b.received).extracting(InboundRecord::partition).containsOnly("1");

        consumerB.close().toCompletableFuture().join();
        assertThat(broker.memberCount(TOPIC, GROUP)).isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            publish(broker, TOPIC, "late" + i, null);
        }
        await().atMost(PATIENCE).until(() -> a.ids().containsAll(List.of("late0", "late1", "late2", "late3")));
        assertThat(a.received).filteredOn(r -> r.id().startsWith("late")).extracting(InboundRecord::partition)
                .containsExactlyInAnyOrder("0", "0", "1", "1");
    }

    @Test
    void closeShouldCommitTheAcknowledgedPrefixAndRedeliverTheRest() {
        publishKeyless(1, 10);
        RecordingSink a = RecordingSink.holding("A", events);
        BrokerConsumer consumerA = start(a);
        await().atMost(PATIENCE).until(() -> a.received.size() == 10);
        ack(a.received, 0, 1, 2, 3, 5);

        consumerA.close().toCompletableFuture().join();
        assertThat(broker.committedOffsets(TOPIC, GROUP)).containsEntry(0, 4L);
        ack(a.received, 6, 7); // after close: ignored
        assertThat(broker.committedOffsets(TOPIC, GROUP)).containsEntry(0, 4L);

        RecordingSink b = RecordingSink.holding("B", events);
        start(b);
        await().atMost(PATIENCE).until(() -> b.received.size() == 6);
        assertThat(b.received).extracting(InboundRecord::position).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(b.received).allSatisfy(r -> assertThat(r.deliveryCount()).isEqualTo(2));
    }

    @Test
    void crashedMemberShouldCommitNothingMoreAndIgnoreLaterAcks() {
        publishKeyless(1, 10);
        RecordingSink a = RecordingSink.holding("A", events);
        start(a);
        await().atMost(PATIENCE).until(() -> a.received.size() == 10);
        ack(a.received, 0, 1, 2, 3, 4);

        assertThat(broker.faults().crashMember(TOPIC, GROUP)).isTrue();
        ack(a.received, 5, 6, 7, 8, 9);
        assertThat(broker.committedOffsets(TOPIC, GROUP)).containsEntry(0, 5L);

        RecordingSink b = RecordingSink.holding("B", events);
        start(b);
        await().atMost(PATIENCE).until(() -> b.received.size() == 5);
        assertThat(b.received).extracting(InboundRecord::position).containsExactly(5L, 6L, 7L, 8L, 9L);
        assertThat(broker.memberCount(TOPIC, GROUP)).isEqualTo(1);
    }

    @Test
    void withoutCommitOnAckACrashedMemberShouldRedeliverEverythingSinceTheLastCommit() {
        broker = InMemoryBroker.builder().commitOnAck(false).build();
        publishKeyless(1, 10);
        RecordingSink a = RecordingSink.holding("A", events);
        start(a);
        await().atMost(PATIENCE).until(() -> a.received.size() == 10);
        ack(a.received, 0, 1, 2, 3, 4);
        assertThat(broker.committedOffsets(TOPIC, GROUP)).containsEntry(0, 0L);

        assertThat(broker.faults().crashMember(TOPIC, GROUP)).isTrue();
        RecordingSink b = RecordingSink.holding("B", events);
        BrokerConsumer consumerB = start(b);
        await().atMost(PATIENCE).until(() -> b.received.size() == 10);
        ack(b.received, 0, 1, 2);
        consumerB.close().toCompletableFuture().join();
        assertThat(broker.committedOffsets(TOPIC, GROUP)).containsEntry(0, 3L);
    }

    @Test
    void growingTheTopicShouldAssignTheNewPartitions() {
        publishKeyless(2, 2);
        RecordingSink a = RecordingSink.acking("A", events);
        start(a);
        await().atMost(PATIENCE).until(() -> a.received.size() == 2);

        broker.faults().addPartitions(TOPIC, 4);
        for (int i = 0; i < 4; i++) {
            publish(broker, TOPIC, "n" + i, null);
        }
        await().atMost(PATIENCE).until(() -> a.received.size() == 6);
        assertThat(a.received).extracting(InboundRecord::partition).contains("2", "3");
    }
}
