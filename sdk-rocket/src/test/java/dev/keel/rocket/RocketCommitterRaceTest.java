package dev.keel.rocket;

import static dev.keel.rocket.RocketTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.TopicSpec;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.admin.ConsumeStats;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The committer thread (one per consumer, writing offsets every commitInterval) against the writes of close, of a
 * revoke and of abort, with a commit interval of 1 ms so that a periodic write is almost always under way; and the
 * per-queue client buffer with a maxInFlight smaller than the number of queues.
 */
@Tag("proof") // about two minutes: with the longer proofs (-Pproof)
@UsesBrokers(BrokerKind.ROCKET)
class RocketCommitterRaceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private final RocketAdapter adapter = new RocketAdapter(RocketTestSupport.quickRebalances()
            .commitInterval(Duration.ofMillis(1)).build());
    private final String topic = RocketTestSupport.unique("commitrace");
    private final String group = RocketTestSupport.unique("g");
    private final List<RocketReceiver> receivers = new ArrayList<>();
    private DefaultMQAdminExt tools;
    private volatile int published;

    @AfterEach
    void close() {
        receivers.forEach(r -> r.close().toCompletableFuture().join());
        adapter.close();
        if (tools != null) {
            tools.shutdown();
        }
    }

    /** Acks that arrive just before close must be written by close's final commit, whatever the committer does. */
    @Test
    void closeShouldWriteWhatWasAcknowledgedRightBeforeItWhileTheCommitterWrites() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        for (int round = 0; round < 4; round++) {
            publish(60);
            RecordingSink sink = new RecordingSink();
            RocketReceiver receiver = start(sink, 1000);
            await().atMost(PATIENCE).until(() -> sink.records.size() >= 60);
            assertThat(sink.records).as("round %d: nothing redelivered after the last clean close", round)
                    .hasSize(60);
            sink.records.forEach(InboundRecord::ack); // acked while the committer writes every millisecond
            receiver.close().toCompletableFuture().join();
            Map<String, long[]> lag = lag();
            assertThat(lag.values().stream().filter(v -> v[0] != v[1]).count())
                    .as("round %d: queues whose group offset is short of the end after close: %s", round, show(lag))
                    .isZero();
        }
    }

    /** Members joining and leaving while the committer writes: every message arrives, and once the last owner of each
     * queue closed after the churn, nothing is left behind the group's offsets. */
    @Test
    void churnShouldLoseNothingAndLeaveNoOffsetBehindOnceTheLastOwnersClose() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(8).build());
        RecordingSink first = new RecordingSink();
        first.ackAll(true);
        RocketReceiver one = start(first, 1000);
        List<RecordingSink> sinks = new ArrayList<>(List.of(first));
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 8; i++) {
                publish(50);
                sleep(300);
            }
        });
        for (int i = 0; i < 4; i++) {
            RecordingSink other = new RecordingSink();
            other.ackAll(true);
            sinks.add(other);
            RocketReceiver two = start(other, 1000);
            await().atMost(PATIENCE).until(() -> one.ownedQueues().size() < 8);
            sleep(700);
            two.close().toCompletableFuture().join();
            receivers.remove(two);
            await().atMost(PATIENCE).until(() -> one.ownedQueues().size() == 8);
        }
        publishing.join();
        publish(80); // after the churn: the last owner of every queue advances past anything written before
        await().atMost(PATIENCE).until(() -> received(sinks).size() == published);
        one.close().toCompletableFuture().join();
        receivers.remove(one);
        Map<String, long[]> lag = lag();
        assertThat(lag.values().stream().filter(v -> v[0] != v[1]).count())
                .as("queues whose group offset is short of the end: %s", show(lag)).isZero();
    }

    /** maxInFlight below the number of queues: every queue is still pulled, also across a lasting pause. */
    @Test
    void aMaxInFlightSmallerThanTheQueuesShouldStallNoQueueAcrossAPause() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(8).build());
        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);
        RocketReceiver receiver = start(sink, 3);
        await().atMost(PATIENCE).until(() -> receiver.ownedQueues().size() == 8);
        receiver.pause();
        await().atMost(PATIENCE).until(receiver::clientPaused);
        publish(400);
        sleep(1500);
        assertThat(sink.records).as("nothing delivered while paused").isEmpty();
        receiver.resume();
        await().atMost(PATIENCE).until(() -> received(List.of(sink)).size() == 400);
        Set<String> partitions = sink.records.stream().map(InboundRecord::partition).collect(Collectors.toSet());
        assertThat(partitions).hasSize(8);
    }

    /** Abort while the committer writes: what was acknowledged only after the abort is redelivered. */
    @Test
    void abortWhileTheCommitterWritesShouldWriteNothingAcknowledgedAfterIt() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        publish(80);
        RecordingSink first = new RecordingSink();
        RocketReceiver one = start(first, 1000);
        await().atMost(PATIENCE).until(() -> first.records.size() == 80);
        Map<String, List<InboundRecord>> byQueue = first.records.stream()
                .collect(Collectors.groupingBy(InboundRecord::partition));
        byQueue.values().forEach(rs -> rs.stream().filter(r -> r.position() < 5).forEach(InboundRecord::ack));
        await().atMost(PATIENCE).until(() -> lag().values().stream().allMatch(v -> v[1] >= 5 || v[0] < 5));
        one.abort().toCompletableFuture().join();
        first.records.forEach(InboundRecord::ack);
        sleep(500);
        Map<String, long[]> lag = lag();
        for (Map.Entry<String, List<InboundRecord>> e : byQueue.entrySet()) {
            long expected = Math.min(5, e.getValue().stream().mapToLong(InboundRecord::position).max().orElse(-1) + 1);
            assertThat(lag.get(e.getKey())[1]).as("queue %s after abort: %s", e.getKey(), show(lag))
                    .isEqualTo(expected);
        }
    }

    private Set<String> received(List<RecordingSink> sinks) {
        Set<String> ids = new HashSet<>();
        sinks.forEach(s -> s.records.forEach(r -> ids.add(r.id())));
        return ids;
    }

    /** Per queue: {broker end offset, group offset}. */
    private Map<String, long[]> lag() throws Exception {
        if (tools == null) {
            tools = new DefaultMQAdminExt(10_000);
            tools.setNamesrvAddr(Brokers.rocket().nameServerAddress());
            tools.setInstanceName(RocketTestSupport.unique("race-tools"));
            tools.start();
        }
        ConsumeStats stats = tools.examineConsumeStats(RocketAdapter.rocketGroupOf(group, topic));
        Map<String, long[]> result = new TreeMap<>();
        for (Map.Entry<MessageQueue, OffsetWrapper> e : stats.getOffsetTable().entrySet()) {
            result.put(e.getKey().getBrokerName() + ":" + e.getKey().getQueueId(),
                    new long[] {e.getValue().getBrokerOffset(), e.getValue().getConsumerOffset()});
        }
        return result;
    }

    private static String show(Map<String, long[]> lag) {
        return lag.entrySet().stream().map(e -> e.getKey() + " end " + e.getValue()[0] + " group " + e.getValue()[1])
                .collect(Collectors.joining(", "));
    }

    private synchronized void publish(int count) {
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = published++;
            sends.add(producer.send(record(topic, "m-" + n, "key-" + n, "m-" + n)).toCompletableFuture());
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
    }

    private RocketReceiver start(RecordingSink sink, int maxInFlight) {
        RocketReceiver receiver = (RocketReceiver) adapter.consumer(new ConsumerSettings(topic, group, maxInFlight,
                Duration.ofSeconds(2)));
        receivers.add(receiver);
        receiver.start(sink);
        return receiver;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
