package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consumers that start "at the end" ({@code autoOffsetReset=latest}, and every broadcast instance's
 * new group): the end is where it was when {@code start} returned, not where it is when the group
 * is first assigned its partitions a moment later (with {@code auto.offset.reset=latest} alone,
 * what was published in between was skipped). At the SPI level, on a real broker.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaLatestStartTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).autoOffsetReset("latest")
            .build());
    private final String topic = KafkaTestSupport.unique("latest");
    private final String group = KafkaTestSupport.unique("group");
    private final List<BrokerConsumer> consumers = new ArrayList<>();

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapter.close();
    }

    @Test
    void aNewGroupStartingAtLatestShouldGetWhatIsPublishedRightAfterStartReturnsAndNothingBefore() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group(group).build());
        publish("before", 8);
        RecordingSink sink = new RecordingSink();

        start(sink, Optional.empty());
        publish("after", 8);

        await("every message published after start").atMost(WAIT)
                .untilAsserted(() -> assertThat(ids(sink)).containsAll(ids("after", 8)));
        assertThat(ids(sink)).as("received").containsExactlyInAnyOrderElementsOf(ids("after", 8));
    }

    @Test
    void aNewBroadcastInstanceShouldGetWhatIsPublishedRightAfterStartReturnsAndNothingBefore() {
        KafkaAdapter earliest = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        try {
            earliest.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
            publish("before", 8);
            RecordingSink sink = new RecordingSink();

            BrokerConsumer consumer = earliest.consumer(new ConsumerSettings(topic, group, 100, Duration.ofSeconds(5),
                    Optional.empty(), Optional.empty(), Optional.of("i-1")));
            consumer.start(sink);
            publish("after", 8);

            await("every message published after start").atMost(WAIT)
                    .untilAsserted(() -> assertThat(ids(sink)).containsAll(ids("after", 8)));
            assertThat(ids(sink)).as("received").containsExactlyInAnyOrderElementsOf(ids("after", 8));
            consumer.close().toCompletableFuture().join();
        } finally {
            earliest.close();
        }
    }

    private void start(RecordingSink sink, Optional<String> broadcastInstance) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, group, 100, Duration.ofSeconds(5),
                Optional.empty(), Optional.empty(), broadcastInstance));
        consumers.add(consumer);
        consumer.start(sink);
    }

    private void publish(String prefix, int count) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (String id : ids(prefix, count)) {
            sends.add(adapter.producer().send(new OutboundRecord(topic, id, id, Map.of(KeelHeaders.ID, id), utf8(id),
                    Instant.now())).toCompletableFuture());
        }
        sends.forEach(CompletableFuture::join);
    }

    private static List<String> ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }

    private static List<String> ids(RecordingSink sink) {
        return sink.records.stream().map(InboundRecord::id).toList();
    }
}
