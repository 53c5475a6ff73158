package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A consumer closed while its group rebalances commits what was acknowledged before it leaves (docs/kafka.md, "Close"):
 * the client refuses commits until the rebalance ends, so the close lets it end (polling, its partitions paused) and
 * commits then. Before, the close gave up at the first refusal ("Kafka offset commit failed
 * (RebalanceInProgressException)"), and the next owner ran again every record handled since the last commit (an
 * adversarial probe: 732 of 10,000 run twice under AT_LEAST_ONCE when one of two members closed).
 *
 * <p>The rebalance is held open ({@link HeldRebalance}) by a plain member of the group that joined and then stops
 * polling; a second plain member joining starts it.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaCloseDuringRebalanceTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int RECORDS = 20;

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private String topic;
    private String group;
    private HeldRebalance rebalance;

    @BeforeEach
    void open() throws Exception {
        topic = KafkaTestSupport.unique("close-rebalance-main");
        group = KafkaTestSupport.unique("g");
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        rebalance = new HeldRebalance(bootstrap, group, topic);
    }

    @AfterEach
    void close() throws InterruptedException {
        rebalance.close();
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapters.forEach(KafkaAdapter::close);
    }

    @Test
    void aConsumerClosedWhileItsGroupRebalancesShouldCommitWhatWasAcknowledgedSoTheNextOwnerRunsNoneAgain()
            throws Exception {
        // commits only when it must (a revocation, the close): what it acknowledged waits for the final commit
        KafkaAdapter adapter = adapter(Duration.ofMinutes(10));
        AckingSink first = new AckingSink();
        BrokerConsumer closing = start(adapter, first);
        for (int i = 1; i <= RECORDS; i++) {
            publish(adapter, "m-" + i);
        }
        await().atMost(WAIT).until(() -> first.ids.size() == RECORDS);

        assertThat(rebalance.joinStalledMember()).as("the consumer keeps its partition (sticky)").isEmpty();
        rebalance.start();
        // held open by the stalled member: the closing consumer learns of it at its next heartbeat (every 500 ms) and
        // rejoins, after which the client refuses its commits
        await().during(Duration.ofSeconds(2)).atMost(WAIT)
                .until(() -> rebalance.state() == GroupState.PREPARING_REBALANCE);

        CompletableFuture<Void> closed = closing.close().toCompletableFuture();
        consumers.remove(closing);
        rebalance.endWhen(closed::isDone);

        long end = KafkaTestSupport.endOffsets(bootstrap, topic).get(0);
        assertThat(KafkaTestSupport.committed(bootstrap, group).getOrDefault(0, 0L))
                .as("committed by the close, every record acknowledged").isEqualTo(end);
        AckingSink next = new AckingSink();
        start(adapter(Duration.ofMillis(50)), next);
        publish(adapter, "sentinel");
        await().atMost(WAIT).until(() -> next.ids.contains("sentinel"));
        assertThat(next.ids).as("what the next owner ran").containsExactly("sentinel");
    }

    private void publish(KafkaAdapter adapter, String id) {
        adapter.producer().send(new OutboundRecord(topic, id, "k", Map.of(KeelHeaders.ID, id), utf8(id),
                Instant.now())).toCompletableFuture().join();
    }

    private KafkaAdapter adapter(Duration commitInterval) {
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).commitInterval(commitInterval)
                .build());
        adapters.add(adapter);
        return adapter;
    }

    private BrokerConsumer start(KafkaAdapter adapter, DeliverySink sink) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, group, 100, Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    /** The engine's part, at its simplest: each record handled (its id kept) and acknowledged at once. */
    private static final class AckingSink implements DeliverySink {
        private final List<String> ids = new CopyOnWriteArrayList<>();

        @Override
        public void accept(List<InboundRecord> records) {
            for (InboundRecord record : records) {
                ids.add(record.id());
                record.ack();
            }
        }

        @Override
        public CompletionStage<Void> revoke(Collection<String> partitions) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
