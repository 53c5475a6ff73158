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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * A group with {@code autoOffsetReset("latest")} whose subscription ran while one of its partitions got no record,
 * then stopped: what is published to that partition while it is stopped is read when it subscribes again. Keel
 * commits as records are acknowledged, so that partition had no committed offset, and the reset to the end skipped
 * those records; a consumer that auto-commits would have committed its position.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaLatestQuietPartitionTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void recordsPublishedToAPartitionThatGotNoneWhileTheGroupRanShouldBeReadAfterARestart() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("latest-quiet");
        String group = KafkaTestSupport.unique("g");
        String busyKey = keyOnPartition(0);
        String quietKey = keyOnPartition(1);
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).autoOffsetReset("latest")
                .build()); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build();
            TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
            List<String> handled = new CopyOnWriteArrayList<>();

            Subscription first = keel.subscribe(config, d -> handled.add(d.id()));
            // records on partition 0 only, until the group reads them (both partitions assigned by then)
            await().atMost(WAIT).until(() -> {
                assertThat(publisher.message("m").id("busy-" + handled.size()).key(busyKey).publish().partition())
                        .isEqualTo("0");
                return !handled.isEmpty();
            });
            first.close();
            List<String> stopped = IntStream.range(0, 5).mapToObj(i -> "stopped-" + i).toList();
            for (String id : stopped) {
                assertThat(publisher.message("m").id(id).key(quietKey).publish().partition()).isEqualTo("1");
            }

            Subscription again = keel.subscribe(config, d -> handled.add(d.id()));
            await().atMost(WAIT).until(() -> handled.containsAll(stopped));
            again.close();
        }
    }

    /** A key Kafka's default partitioner puts on {@code partition} of two. */
    private static String keyOnPartition(int partition) {
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            if (Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 2 == partition) {
                return key;
            }
        }
    }
}
