package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where a share group starts on the real broker. */
@Tag("share")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupStartTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("share-start");
    private final String group = KafkaTestSupport.unique("share-start-group");

    /**
     * A Keel group read its topic with a classic group, then switches to shareGroup(true): the share group starts
     * each partition at the classic group's committed offset, so what the classic group handled is not handled again
     * (the share group's own reset, earliest here, would start at the beginning).
     */
    @Test
    void aClassicGroupSwitchedToAShareGroupShouldGoOnFromItsCommittedOffsets() throws Exception {
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
            publish(keel, 20, "old-");
            Set<String> byClassic = ConcurrentHashMap.newKeySet();
            Subscription classic = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> byClassic.add(d.id()));
            await().atMost(Duration.ofSeconds(60)).until(() -> byClassic.size() == 20);
            classic.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> KafkaTestSupport.committed(bootstrap, group).values()
                    .stream().mapToLong(Long::longValue).sum() == 20);

            Map<String, Integer> byShare = new ConcurrentHashMap<>();
            keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                    .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(),
                    d -> byShare.merge(d.id(), 1, Integer::sum));
            publish(keel, 10, "new-");

            await().atMost(Duration.ofSeconds(60)).until(() -> byShare.keySet().stream()
                    .filter(id -> id.startsWith("new-")).count() == 10);
            publish(keel, 1, "sentinel-");
            await().atMost(Duration.ofSeconds(30)).until(() -> byShare.containsKey("sentinel-0"));
            assertThat(byShare.keySet()).as("handled again by the share group").noneMatch(id -> id.startsWith("old-"));
        }
    }

    private void publish(Keel keel, int count, String prefix) {
        for (int i = 0; i < count; i++) {
            keel.publisher().publish(topic, Message.builder(prefix + i, Codec.utf8()).id(prefix + i)
                    .key("k" + i).build());
        }
    }
}
