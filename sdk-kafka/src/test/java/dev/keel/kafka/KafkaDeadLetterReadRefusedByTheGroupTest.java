package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetterListing;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.junit.jupiter.api.Test;

/**
 * A dead-letter read that cannot join its group at all reads nothing: a live member of the group on the dead-letter
 * topic with an assignor Keel's reader does not share makes the broker refuse every join (InconsistentGroupProtocol).
 * The listing and the re-drive reported 0 letters and {@code keel dlq list} exited 0 (sixth adversarial review, 3 of 3
 * runs), as if the group had no letter. They must say which partitions they could not read, as they do when a member
 * of the same protocol holds them (a re-drive ends its read the same way, {@code DefaultDeadLetters#heldByOthers}).
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDeadLetterReadRefusedByTheGroupTest {

    private static final int PARTITIONS = 3;

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("dlt-refused-join");
    private final String group = KafkaTestSupport.unique("g");

    @Test
    void aReadTheGroupRefusesToJoinShouldSayItCouldNotReadAnyPartition() throws Exception {
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            KafkaTestSupport.writeDeadLetters(keel, bootstrap, topic, group, PARTITIONS, 1, 1,
                    n -> KafkaTestSupport.utf8("payload"));
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch holding = new CountDownLatch(1);
            CompletableFuture<Void> member = CompletableFuture.runAsync(() -> {
                try (KafkaConsumer<byte[], byte[]> plain = KafkaTestSupport.plainMember(bootstrap, group,
                        Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RoundRobinAssignor.class.getName()))) {
                    plain.subscribe(List.of(topic + ".DLT")); // reads and commits nothing
                    while (!stop.get()) {
                        plain.poll(Duration.ofMillis(100));
                        if (plain.assignment().size() == PARTITIONS) {
                            holding.countDown();
                        }
                    }
                }
            });
            try {
                assertThat(holding.await(60, TimeUnit.SECONDS)).as("the other member holds every partition").isTrue();
                DeadLetterListing listed = keel.deadLetters(topic, group).withQuietPeriod(Duration.ofSeconds(1))
                        .listing(DeadLetterFilter.all());

                assertThat(listed.partitionsNotRead()).as("partitions the listing could not read")
                        .containsExactlyInAnyOrder("0", "1", "2");
                assertThat(listed.complete()).isFalse();
            } finally {
                stop.set(true);
                member.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
