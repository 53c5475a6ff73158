package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delay forwarder closed while its group rebalances commits what it forwarded before it leaves (docs/kafka.md,
 * "Delayed delivery"): the broker and the client refuse commits until the rebalance ends, so the close lets it end
 * (polling, its partitions paused) and commits then. Before, the close gave up at the first refusal, and the next
 * owner forwarded again every record forwarded since the last commit (an adversarial review saw 19 and 80 of 800
 * delayed records forwarded twice over 12 rolling restarts of 3 members).
 *
 * <p>The rebalance is held open ({@link HeldRebalance}) by a plain member of the forwarder group that joined and then
 * stops polling, so it does not rejoin until the test lets it; a second plain member joining starts the rebalance.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayForwarderCloseDuringRebalanceTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int SPREAD = 24;
    private static final Duration STEP = Duration.ofMillis(250);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private HeldRebalance rebalance;
    private String topic;
    private String delayTopic;
    private String forwarders;

    @BeforeEach
    void open() throws Exception {
        topic = KafkaTestSupport.unique("close-rebalance");
        delayTopic = topic + ".keel-delay";
        forwarders = "keel-delay-" + topic;
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaTestSupport.createTopic(bootstrap, delayTopic, 1); // subscriptions start their forwarders at once
        rebalance = new HeldRebalance(bootstrap, forwarders, delayTopic);
    }

    @AfterEach
    void close() throws InterruptedException {
        rebalance.close();
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapters.forEach(KafkaAdapter::close);
    }

    @Test
    void aForwarderClosedWhileItsGroupRebalancesShouldCommitWhatItForwardedSoTheNextOwnerForwardsNoneAgain()
            throws Exception {
        KafkaAdapter publishing = adapter();
        BrokerConsumer first = start(adapter());
        try (KafkaConsumer<byte[], byte[]> target = KafkaTestSupport.plainConsumer(bootstrap,
                KafkaTestSupport.unique("count"), topic)) {
            Map<String, Integer> copies = new TreeMap<>();
            publish(publishing, "warm-up", Instant.now());
            awaitCopy(target, copies, "warm-up"); // the first forwarder owns the delay topic's partition

            assertThat(rebalance.joinStalledMember()).as("the forwarder keeps its partition (sticky)").isEmpty();
            rebalance.start();

            // due one after another while the rebalance waits for the stalled member: once the forwarder rejoined,
            // the client refuses its commits, so what it forwards from then on stays uncommitted
            Instant start = Instant.now();
            for (int i = 1; i <= SPREAD; i++) {
                publish(publishing, "during-" + i, start.plus(STEP.multipliedBy(i)));
            }
            awaitCopy(target, copies, "during-" + SPREAD);
            long end = KafkaTestSupport.endOffsets(bootstrap, delayTopic).get(0);
            assertThat(KafkaTestSupport.committed(bootstrap, forwarders).getOrDefault(0, 0L))
                    .as("some forwarded records are not committed yet (the rebalance refuses commits)").isLessThan(end);

            CompletableFuture<Void> closed = first.close().toCompletableFuture();
            consumers.remove(first);
            rebalance.endWhen(closed::isDone); // the stalled member rejoins: the rebalance can end

            start(adapter()); // the next owner of the partition
            publish(publishing, "sentinel", Instant.now().plusMillis(300));
            awaitCopy(target, copies, "sentinel");

            Map<String, Integer> expected = new HashMap<>();
            expected.put("warm-up", 1);
            expected.put("sentinel", 1);
            for (int i = 1; i <= SPREAD; i++) {
                expected.put("during-" + i, 1);
            }
            assertThat(copies).as("forwarded copies per message in the topic").isEqualTo(expected);
        }
    }

    /** Reads the topic until {@code id} came, counting each message's copies. */
    private static void awaitCopy(KafkaConsumer<byte[], byte[]> target, Map<String, Integer> copies, String id) {
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : target.poll(Duration.ofMillis(200))) {
                copies.merge(utf8(r.headers().lastHeader(KeelHeaders.ID).value()), 1, Integer::sum);
            }
            return copies.containsKey(id);
        });
    }

    private void publish(KafkaAdapter adapter, String id, Instant due) {
        adapter.producer().send(new OutboundRecord(topic, id, "k", Map.of(KeelHeaders.ID, id,
                KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli())), utf8(id), Instant.now(), due))
                .toCompletableFuture().join();
    }

    private KafkaAdapter adapter() {
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        adapters.add(adapter);
        return adapter;
    }

    private BrokerConsumer start(KafkaAdapter adapter) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, KafkaTestSupport.unique("g"), 100,
                Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(new RecordingSink());
        return consumer;
    }
}
