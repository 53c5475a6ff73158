package dev.keel.rocket;

import static dev.keel.rocket.RocketTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consumer side at the SPI level: contiguous commits, pause across rebalances, revoke and abort. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketConsumeTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Rebalances every 500 ms: these tests are about queues changing hands. */
    private final RocketAdapter adapter = new RocketAdapter(RocketTestSupport.quickRebalances().build());
    private final String topic = RocketTestSupport.unique("consume");
    private final String group = RocketTestSupport.unique("g");
    private final List<RocketReceiver> receivers = new ArrayList<>();
    /** Started once, on first use: starting one per poll of a condition took seconds under load. */
    private DefaultMQAdminExt tools;

    @AfterEach
    void close() {
        receivers.forEach(r -> r.close().toCompletableFuture().join());
        adapter.close();
        if (tools != null) {
            tools.shutdown();
        }
    }

    @Test
    void onlyTheContiguousAcknowledgedPrefixShouldBeCommitted() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(10);
        RecordingSink sink = new RecordingSink();
        RocketReceiver receiver = start(sink);
        await().atMost(PATIENCE).until(() -> sink.records.size() == 10);
        MessageQueue queue = receiver.ownedQueues().iterator().next();

        for (int offset : new int[] {0, 1, 2, 4, 5, 7}) {
            sink.records.get(offset).ack();
        }
        await().atMost(PATIENCE).until(() -> receiver.committed(queue) == 3);
        sink.records.get(3).ack();
        await().atMost(PATIENCE).until(() -> receiver.committed(queue) == 6);
        sink.records.get(6).ack();
        sink.records.subList(8, 10).forEach(InboundRecord::ack);

        await().atMost(PATIENCE).until(() -> receiver.committed(queue) == 10);
    }

    @Test
    void queuesAssignedWhilePausedShouldStayPaused() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        RecordingSink first = new RecordingSink();
        first.ackAll(true);
        RocketReceiver one = start(first);
        await().atMost(PATIENCE).until(() -> one.ownedQueues().size() == 4);
        RecordingSink second = new RecordingSink();
        second.ackAll(true);
        RocketReceiver two = start(second);
        await().atMost(PATIENCE).until(() -> one.ownedQueues().size() == 2 && two.ownedQueues().size() == 2);

        one.pause();
        await().atMost(PATIENCE).until(one::clientPaused);
        two.close().toCompletableFuture().join();
        await().atMost(PATIENCE).until(() -> one.ownedQueues().size() == 4);
        publish(40);

        // the broker records how far the group pulled each queue: the client must not pull any of them,
        // neither its own queues nor the two it was assigned while paused
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(30))
                .until(() -> first.records.isEmpty() && highestPullOffset() <= 0);
        one.resume();
        await().atMost(PATIENCE).until(() -> first.records.size() == 40);
    }

    @Test
    void revokeShouldBeBoundedAndCommitTheAcknowledgedPrefixAndLaterAcksShouldChangeNothing() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        publish(20);
        RecordingSink first = new RecordingSink();
        first.onRevoke(partitions -> new CompletableFuture<>()); // an engine that never finishes its work
        RocketReceiver one = start(first, Duration.ofSeconds(1));
        await().atMost(PATIENCE).until(() -> first.records.size() == 20);
        // acknowledge all but the third message of each queue: the contiguous prefix is 2 per queue
        first.records.stream().filter(r -> r.position() != 2).forEach(InboundRecord::ack);

        RecordingSink second = new RecordingSink();
        RocketReceiver two = start(second, Duration.ofSeconds(1));
        await().atMost(PATIENCE).until(() -> one.ownedQueues().size() == 1 && two.ownedQueues().size() == 1);
        MessageQueue moved = two.ownedQueues().iterator().next();
        String movedPartition = moved.getBrokerName() + ":" + moved.getQueueId();

        await().atMost(PATIENCE).alias("revoked although the engine never finished")
                .until(() -> first.revokes.contains(List.of(movedPartition)));
        assertThat(two.committed(moved)).as("committed on revoke: the contiguous acknowledged prefix").isEqualTo(2);
        first.records.stream().filter(r -> r.partition().equals(movedPartition)).forEach(InboundRecord::ack);
        await().atMost(PATIENCE).until(() -> second.records.stream().anyMatch(r -> r.position() == 2));
        assertThat(second.records.stream().mapToLong(InboundRecord::position).min()).as("redelivered from")
                .hasValue(2);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> two.committed(moved) == 2);
    }

    @Test
    void acksAfterAbortShouldChangeNothing() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(10);
        RecordingSink first = new RecordingSink();
        RocketReceiver one = start(first);
        await().atMost(PATIENCE).until(() -> first.records.size() == 10);
        MessageQueue queue = one.ownedQueues().iterator().next();
        first.records.subList(0, 5).forEach(InboundRecord::ack);
        await().atMost(PATIENCE).until(() -> one.committed(queue) == 5);

        one.abort().toCompletableFuture().join();
        first.records.subList(5, 10).forEach(InboundRecord::ack);

        RecordingSink second = new RecordingSink();
        RocketReceiver two = start(second);
        await().atMost(PATIENCE).until(() -> second.records.size() >= 5);
        assertThat(second.records.subList(0, 5).stream().map(InboundRecord::id).toList())
                .as("what was acknowledged only after the abort is redelivered")
                .containsExactly("m-5", "m-6", "m-7", "m-8", "m-9");
        assertThat(two.committed(queue)).isEqualTo(5);
    }

    private long highestPullOffset() throws Exception {
        if (tools == null) {
            tools = new DefaultMQAdminExt(10_000);
            tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
            tools.setInstanceName(RocketTestSupport.unique("consume-tools"));
            tools.start();
        }
        return tools.examineConsumeStats(RocketAdapter.rocketGroupOf(group, topic)).getOffsetTable().values()
                .stream().mapToLong(OffsetWrapper::getPullOffset).max().orElse(0);
    }

    private void publish(int count) {
        BrokerProducer producer = adapter.producer();
        for (int i = 0; i < count; i++) {
            producer.send(record(topic, "m-" + i, "key-" + i, "m-" + i)).toCompletableFuture().join();
        }
    }

    private RocketReceiver start(RecordingSink sink) {
        return start(sink, Duration.ofSeconds(10));
    }

    private RocketReceiver start(RecordingSink sink, Duration revokeTimeout) {
        RocketReceiver receiver = (RocketReceiver) adapter.consumer(new ConsumerSettings(topic, group, 1000,
                revokeTimeout));
        receivers.add(receiver);
        receiver.start(sink);
        return receiver;
    }
}
