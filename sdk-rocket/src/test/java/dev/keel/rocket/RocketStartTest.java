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
import dev.keel.testbrokers.UsesBrokers;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.rocketmq.client.ClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a consumer has when {@code start} returns, at the SPI level: the lite pull consumer pulls
 * nothing before its client's first rebalance, which it runs on its own only after 20 s, so start
 * asks for it and returns once its queues are assigned; a new broadcast instance starts at the end
 * of each queue as of its start, and one restarted under the same instance id where it stopped.
 * The adapter keeps RocketMQ's own rebalance period here.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketStartTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final String topic = RocketTestSupport.unique("start");
    private final String group = RocketTestSupport.unique("g");
    private final List<RocketReceiver> receivers = new ArrayList<>();
    private final List<RocketAdapter> adapters = new ArrayList<>();

    @AfterEach
    void close() {
        receivers.forEach(r -> r.close().toCompletableFuture().join());
        adapters.forEach(RocketAdapter::close);
        adapter.close();
    }

    @Test
    void aConsumerShouldOwnEveryQueueOfItsNewGroupWhenStartReturns() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group(group).build());

        RocketReceiver receiver = start(adapter, new RecordingSink(), Optional.empty());

        assertThat(receiver.ownedQueues()).as("queues owned when start returned").hasSize(4);
    }

    @Test
    void aSecondMemberShouldOwnItsShareWhenStartReturns() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group(group).build());
        start(adapter, new RecordingSink(), Optional.empty());

        RocketReceiver second = start(adapter, new RecordingSink(), Optional.empty());

        assertThat(second.ownedQueues()).as("queues the second member owned when start returned").hasSize(2);
    }

    /**
     * A member given no queue (more members than queues) is told by no queue change: start still
     * returns once the client's allocation was made, not after the whole admin timeout.
     */
    @Test
    void aMemberGivenNoQueueShouldStartWithoutWaitingOutTheAdminTimeout() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
        start(adapter, new RecordingSink(), Optional.empty());
        RocketAdapter patient = new RocketAdapter(RocketTestSupport.config().adminTimeout(Duration.ofSeconds(90))
                .build());
        adapters.add(patient);

        long started = System.nanoTime();
        RocketReceiver idle = start(patient, new RecordingSink(), Optional.empty());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(idle.ownedQueues()).isEmpty();
        assertThat(took).as("start of a member given no queue (admin timeout 90 s)").isLessThan(Duration.ofSeconds(45));
    }

    @Test
    void aBroadcastConsumerShouldOwnEveryQueueWhenStartReturns() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());

        RocketReceiver receiver = start(adapter, new RecordingSink(), Optional.of("i-1"));

        assertThat(receiver.ownedQueues()).as("queues owned when start returned").hasSize(4);
    }

    @Test
    void aNewBroadcastInstanceShouldReceiveWhatIsPublishedAfterItStartedAndNothingBefore() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        publish("before", 8);
        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);

        start(adapter, sink, Optional.of(RocketTestSupport.unique("i")));
        publish("after", 8);

        await("every message published after start").atMost(PATIENCE)
                .until(() -> ids(sink).containsAll(ids("after", 8)));
        assertThat(ids(sink)).as("received").containsExactlyInAnyOrderElementsOf(ids("after", 8));
    }

    @Test
    void aBroadcastInstanceRestartedUnderItsInstanceIdShouldResumeWhereItStopped() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        String instance = RocketTestSupport.unique("i");
        RecordingSink first = new RecordingSink();
        first.ackAll(true);
        RocketReceiver one = start(adapter, first, Optional.of(instance));
        publish("first", 8);
        await("every message published after the first start").atMost(PATIENCE)
                .until(() -> ids(first).containsAll(ids("first", 8)));
        one.close().toCompletableFuture().join();

        publish("while-down", 8);
        RecordingSink second = new RecordingSink();
        second.ackAll(true);
        start(adapter, second, Optional.of(instance));

        await("every message published while it was down").atMost(PATIENCE)
                .until(() -> ids(second).containsAll(ids("while-down", 8)));
        assertThat(ids(second)).as("received after the restart")
                .containsExactlyInAnyOrderElementsOf(ids("while-down", 8));
    }

    /**
     * A broadcast instance's offsets are a file of the RocketMQ client's, in a directory it names after its client id,
     * which held the host's address: an instance restarted on another address (a pod given a new IP) found none and
     * started at the end, missing what was published while it was down. The address can only be observed here as
     * the directory's name (the tests cannot move the host).
     */
    @Test
    void aBroadcastInstancesOffsetsShouldNotDependOnTheHostAddress() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        String instance = RocketTestSupport.unique("i");
        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);
        RocketReceiver receiver = start(adapter, sink, Optional.of(instance));
        publish("one", 2);
        await("the messages").atMost(PATIENCE).until(() -> ids(sink).containsAll(ids("one", 2)));
        receiver.close().toCompletableFuture().join();

        Path offsets = Path.of(System.getProperty("rocketmq.client.localOffsetStoreDir",
                System.getProperty("user.home") + File.separator + ".rocketmq_offsets"));
        List<String> directories;
        try (Stream<Path> all = Files.list(offsets)) {
            directories = all.map(p -> p.getFileName().toString()).filter(name -> name.contains("-broadcast-" + instance))
                    .toList();
        }
        String hostAddress = new ClientConfig().getClientIP(); // the client's default: the host's address
        assertThat(directories).as("the instance's offsets directories").hasSize(1);
        assertThat(directories.get(0)).as("its name").doesNotContain(hostAddress);
    }

    private RocketReceiver start(RocketAdapter on, RecordingSink sink, Optional<String> broadcastInstance) {
        RocketReceiver receiver = (RocketReceiver) on.consumer(new ConsumerSettings(topic, group, 1000,
                Duration.ofSeconds(10), Optional.empty(), Optional.empty(), broadcastInstance));
        receivers.add(receiver);
        receiver.start(sink);
        return receiver;
    }

    private void publish(String prefix, int count) {
        BrokerProducer producer = adapter.producer();
        for (String id : ids(prefix, count)) {
            producer.send(record(topic, id, id, id)).toCompletableFuture().join();
        }
    }

    private static List<String> ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }

    private static List<String> ids(RecordingSink sink) {
        return sink.records.stream().map(InboundRecord::id).toList();
    }
}
