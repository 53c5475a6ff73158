package dev.keel.testkit;

import static dev.keel.testkit.InMemoryBrokerTest.failureOf;
import static dev.keel.testkit.InMemoryBrokerTest.publish;
import static dev.keel.testkit.InMemoryBrokerTest.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault switches of the in-memory broker and its client separation. */
class InMemoryBrokerFaultsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final List<BrokerConsumer> consumers = new ArrayList<>();

    @BeforeEach
    void declare() {
        broker.ensureTopology(TopicSpec.builder(TOPIC).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(BrokerConsumer::close);
        broker.close();
    }

    private BrokerConsumer start(RecordingSink sink) {
        BrokerConsumer consumer = broker.consumer(new ConsumerSettings(TOPIC, GROUP, 1000, Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    private CompletableFuture<PublishReceipt> send(String id) {
        return broker.producer().send(record(TOPIC, id, null)).toCompletableFuture();
    }

    @Test
    void failingPublishesShouldFailWithTheInjectedErrorAndStoreNothing() throws InterruptedException {
        PublishException nacked = new PublishException("nacked", null, false);
        broker.faults().failNextPublishes(2, nacked);

        assertThat(failureOf(send("a"))).isSameAs(nacked);
        assertThat(failureOf(send("b"))).isSameAs(nacked);
        assertThat(send("c").join().offset()).isZero();
        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactly("c");
    }

    @Test
    void publishesToAFailingTopicShouldFailUntilClearedWhileOtherTopicsWork() throws InterruptedException {
        broker.ensureTopology(TopicSpec.builder("orders.DLT").partitions(1).group("ops").build());
        PublishException refused = new PublishException("refused", null, false);
        broker.faults().failPublishesTo("orders.DLT", refused);

        assertThat(failureOf(broker.producer().send(record("orders.DLT", "a", null)).toCompletableFuture()))
                .isSameAs(refused);
        assertThat(failureOf(broker.producer().send(record("orders.DLT", "b", null)).toCompletableFuture()))
                .isSameAs(refused);
        assertThat(send("c").join().offset()).isZero();
        broker.faults().clear();
        assertThat(broker.producer().send(record("orders.DLT", "d", null)).toCompletableFuture().join().offset())
                .isZero();
        assertThat(broker.records("orders.DLT")).extracting(StoredRecord::id).containsExactly("d");
    }

    @Test
    void publishesLargerThanTheLimitShouldFailWhileSmallerOnesAreStored() throws InterruptedException {
        PublishException tooLarge = new PublishException("record too large", null, false);
        broker.faults().failPublishesLargerThan(40, tooLarge);
        String small = "s";
        String large = "l".repeat(40);

        assertThat(failureOf(send(large))).isSameAs(tooLarge);
        assertThat(send(small).join().offset()).isZero();
        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactly(small);
    }

    @Test
    void heldPublishesShouldStayPendingUntilReleased() {
        broker.faults().holdPublishes();
        List<CompletableFuture<PublishReceipt>> sends = List.of(send("a"), send("b"), send("c"));

        assertThat(sends).noneMatch(CompletableFuture::isDone);
        assertThat(broker.faults().heldPublishes()).isEqualTo(3);
        assertThat(broker.records(TOPIC)).isEmpty();

        assertThat(broker.faults().releasePublishes()).isEqualTo(3);
        assertThat(sends).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactly("a", "c", "b");
        assertThat(send("d")).isDone();
    }

    @Test
    void closingTheProducerShouldFailItsHeldPublishes() throws InterruptedException {
        broker.faults().holdPublishes();
        CompletableFuture<PublishReceipt> held = send("a");
        BrokerProducer producer = broker.producer();
        producer.close();

        assertThat(failureOf(held)).isInstanceOf(ClosedException.class);
        assertThat(failureOf(producer.send(record(TOPIC, "b", null)).toCompletableFuture()))
                .isInstanceOf(ClosedException.class);
    }

    @Test
    void droppedConnectionShouldFailPublishesRetriablyAndRedeliverUnacknowledged() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            publish(broker, TOPIC, "m" + i, null);
        }
        RecordingSink sink = RecordingSink.holding("A", new CopyOnWriteArrayList<>());
        start(sink);
        await().atMost(PATIENCE).until(() -> sink.received.size() == 4);
        sink.received.get(0).ack();
        broker.faults().holdPublishes();
        CompletableFuture<PublishReceipt> held = send("held");

        broker.faults().dropConnection();
        Throwable heldFailure = failureOf(held);
        Throwable newFailure = failureOf(send("during"));
        sink.received.forEach(InboundRecord::ack); // lost with the connection: ignored
        broker.faults().restoreConnection();

        assertThat(heldFailure).isInstanceOf(BrokerUnavailableException.class);
        assertThat(newFailure).isInstanceOf(BrokerUnavailableException.class);
        assertThat(((KeelException) newFailure).isRetriable()).isTrue();
        await().atMost(PATIENCE).until(() -> sink.received.size() == 7);
        List<InboundRecord> redelivered = sink.received.subList(4, 7);
        assertThat(redelivered).extracting(InboundRecord::id)
                .containsExactlyInAnyOrderElementsOf(sink.received.subList(1, 4).stream().map(InboundRecord::id).toList());
        assertThat(redelivered).allSatisfy(r -> assertThat(r.deliveryCount()).isEqualTo(2));
        broker.faults().releasePublishes();
        assertThat(send("after").join().topic()).isEqualTo(TOPIC);
    }

    @Test
    void duplicatedPublishShouldBeDeliveredAgainWithTheSameId() {
        broker.faults().duplicateNextPublishes(1);
        int partition = Integer.parseInt(publish(broker, TOPIC, "a", "key").partition());
        publish(broker, TOPIC, "b", "key");
        StoredRecord copy = broker.faults().duplicateRecord(TOPIC, partition, 2);

        assertThat(copy.offset()).isEqualTo(3);
        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactly("a", "a", "b", "b");
        RecordingSink sink = RecordingSink.acking("A", new CopyOnWriteArrayList<>());
        start(sink);
        await().atMost(PATIENCE).until(() -> sink.received.size() == 4);
        assertThat(sink.ids()).containsExactly("a", "a", "b", "b");
        assertThat(sink.received).extracting(InboundRecord::position).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void crashedMemberShouldLoseItsPartitionsToTheOthers() {
        RecordingSink a = RecordingSink.holding("A", new CopyOnWriteArrayList<>());
        start(a);
        RecordingSink b = RecordingSink.acking("B", new CopyOnWriteArrayList<>());
        start(b);
        AtomicInteger probes = new AtomicInteger();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
            publish(broker, TOPIC, "probe-" + probes.incrementAndGet(), null);
            return !b.received.isEmpty(); // B owns a partition: the group is settled
        });
        List<String> ids = IntStream.range(0, 10).mapToObj(i -> "m" + i).toList();
        ids.forEach(id -> publish(broker, TOPIC, id, null));
        await().atMost(PATIENCE).until(() -> a.ids().containsAll(ids.subList(0, 10).stream()
                .filter(id -> !b.ids().contains(id)).toList()));
        assertThat(b.ids()).as("B has only its share before the crash").filteredOn(ids::contains)
                .doesNotContainAnyElementsOf(a.ids()).isNotEmpty();

        assertThat(broker.faults().crashMember(TOPIC, GROUP)).isTrue();
        a.received.forEach(InboundRecord::ack); // the dead member's acks are ignored
        await().atMost(PATIENCE).until(() -> b.ids().containsAll(ids));
        assertThat(broker.memberCount(TOPIC, GROUP)).isEqualTo(1);
        long stored = broker.records(TOPIC).size();
        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP).values().stream()
                .mapToLong(Long::longValue).sum() == stored);
        assertThat(broker.faults().crashMember(TOPIC, "nobody")).isFalse();
    }

    @Test
    void closingOneClientShouldLeaveTheBrokerAndOtherClientsWorking() {
        InMemoryBroker client = broker.connect();
        publish(client, TOPIC, "a", null);
        client.close();

        assertThatThrownBy(client::producer).isInstanceOf(ClosedException.class);
        assertThat(publish(broker, TOPIC, "b", null).topic()).isEqualTo(TOPIC);
        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactlyInAnyOrder("a", "b");
        assertThat(client).isInstanceOf(FaultInjectable.class);
        broker.faults().dropConnection();
        assertThat(client.faults().isConnected()).as("a client's faults act on the whole broker").isFalse();
        client.faults().restoreConnection();
        assertThat(broker.faults().isConnected()).isTrue();
    }
}
