package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.PartitionRewind;
import dev.keel.ReplayResult;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A replay of a group that has no committed offset (it never consumed, or its offsets expired): its position is
 * where {@code autoOffsetReset} would start it, so a replay never moves it forward. With {@code earliest} it would
 * read every record kept, and a replay to a later time must not skip the older ones; with {@code latest} it would
 * start at the end, and a replay takes it back to the time.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaReplayOfAGroupWithoutOffsetsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @ParameterizedTest
    @ValueSource(strings = {"earliest", "latest"})
    void aReplayOfAGroupWithoutCommittedOffsetsShouldNeverMoveItForward(String reset) throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("replay-no-offsets");
        String group = KafkaTestSupport.unique("g");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).autoOffsetReset(reset).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
            TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
            for (int i = 0; i < 10; i++) {
                publisher.message("m").id("old-" + i).key("k").publish();
            }
            Instant from = Instant.now().plusMillis(1); // after every old record's time
            await().atMost(WAIT).until(() -> Instant.now().isAfter(from)); // the new records are stamped after it
            for (int i = 0; i < 5; i++) {
                publisher.message("m").id("new-" + i).key("k").publish();
            }

            ReplayResult result = keel.replay(topic, group, from);

            List<String> handled = new CopyOnWriteArrayList<>();
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.add(d.id()));
            publisher.message("m").id("sentinel").key("k").publish();
            await().atMost(WAIT).until(() -> handled.contains("sentinel"));
            subscription.close();

            List<String> news = IntStream.range(0, 5).mapToObj(i -> "new-" + i).toList();
            if (reset.equals("earliest")) {
                List<String> olds = IntStream.range(0, 10).mapToObj(i -> "old-" + i).toList();
                assertThat(handled).as("every record kept: the group's start").containsAll(olds).containsAll(news);
                assertThat(result.partitions()).as("nothing to rewind").allMatch(p -> p.messages() == 0);
            } else {
                assertThat(handled).as("the records from the time on").containsAll(news).doesNotContain("old-9");
                assertThat(result.partitions()).extracting(PartitionRewind::messages).containsExactly(5L);
            }
        }
    }

    /**
     * A reprocess of a group without offsets (starting at the end: {@code latest}) while a transaction is open on the
     * topic: its range ended at the end Kafka lists by default (the uncommitted high watermark), which Keel's
     * read-committed reader cannot pass until the transaction ends, and the reprocess failed after its timeout saying
     * the broker made no progress (second adversarial review). The range ends where the readers can read.
     */
    @Test
    void aReprocessOfAGroupWithoutOffsetsShouldNotWaitForATransactionStillOpen() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("replay-open-tx");
        String group = KafkaTestSupport.unique("g");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).autoOffsetReset("latest")
                .deliveryTimeout(Duration.ofSeconds(15)).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build();
             KafkaProducer<byte[], byte[]> open = transactional(bootstrap, topic)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
            TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
            Instant from = Instant.now();
            await().atMost(WAIT).until(() -> Instant.now().isAfter(from));
            for (int i = 0; i < 3; i++) {
                publisher.message("m").id("new-" + i).key("k").publish();
            }
            open.initTransactions();
            open.beginTransaction();
            open.send(new ProducerRecord<>(topic, KafkaTestSupport.utf8("k"), KafkaTestSupport.utf8("open"))).get();

            ReplayResult result = assertTimeoutPreemptively(WAIT, () -> keel.reprocess(topic, group, from));

            assertThat(result.partitions()).extracting(PartitionRewind::messages).containsExactly(3L);
            open.abortTransaction();
        }
    }

    private static KafkaProducer<byte[], byte[]> transactional(String bootstrap, String topic) {
        return new KafkaProducer<>(java.util.Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic + "-open",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }
}
