package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A group whose committed offset retention has passed resumes at the oldest record kept, also with
 * {@code autoOffsetReset("latest")} (docs/kafka.md: {@code latest} is where a group with no committed offset starts).
 * The case of a replay to a time older than retention keeps: the rewind lands on the oldest segment, which retention
 * deletes next; if it does before the group subscribes again, Kafka's own reset would take the group to the end and
 * skip every replayed record still kept. Retention is applied with {@code deleteRecords}, which moves the log start
 * as retention does.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaReplayBelowRetentionTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("replay-retention");
    private final String group = KafkaTestSupport.unique("g");
    private final KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).autoOffsetReset("latest")
            .build());
    private final Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();

    @AfterEach
    void close() {
        keel.close();
        adapter.close();
    }

    @Test
    void aReplayWhoseRewoundPositionRetentionPassedShouldResumeAtTheOldestRecordKeptNotAtTheEnd() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
        List<String> handled = new CopyOnWriteArrayList<>();
        SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build();
        Subscription first = keel.subscribe(config, d -> handled.add(d.id()));
        TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
        for (int i = 0; i < 20; i++) {
            publisher.message("m").id("m-" + i).key("k").publish();
        }
        await().atMost(WAIT).until(() -> handled.contains("m-19"));
        first.close();

        keel.replay(topic, group, Instant.EPOCH); // rewound to offset 0, the oldest record kept
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) { // then retention removes the first 10
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(10))).all().get();
        }
        handled.clear();
        Subscription again = keel.subscribe(config, d -> handled.add(d.id()));
        publisher.message("m").id("sentinel").key("k").publish();
        await().atMost(WAIT).until(() -> handled.contains("sentinel"));
        again.close();

        List<String> kept = IntStream.range(10, 20).mapToObj(i -> "m-" + i).toList();
        assertThat(handled).as("the replayed records still kept, then the new one").containsSubsequence(kept)
                .containsAll(kept).endsWith("sentinel").doesNotContain("m-0", "m-9");
    }
}
