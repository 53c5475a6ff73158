package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Replaying a Keel group that consumes its topic as a share group, on the real broker: refused, not a no-op. */
@Tag("share")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupReplayTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("share-replay");
    private final String group = KafkaTestSupport.unique("share-replay-group");

    /**
     * A replay rewinds the group's classic offsets; a share group has none, so before this {@code reprocess} forgot
     * the done marks, rewound nothing, and reported success while no message ran again.
     */
    @Test
    void replayingAGroupThatConsumesTheTopicAsAShareGroupShouldBeRefusedWhileItRunsAndAfter() throws Exception {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .shareGroup(true).ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                    .build(), d -> handled.add(d.id()));
            for (int i = 0; i < 3; i++) {
                keel.publisher().publish(topic, Message.builder("m-" + i, Codec.utf8()).id("m-" + i).build());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 3);

            assertThatThrownBy(() -> keel.reprocess(topic, group, Instant.EPOCH))
                    .isInstanceOf(ShareGroupReplayException.class)
                    .hasMessageContaining(KafkaAdapter.shareGroupId(group)).hasMessageContaining("no replay");
            subscription.close();
            assertThatThrownBy(() -> keel.replay(topic, group, Instant.EPOCH))
                    .isInstanceOf(ShareGroupReplayException.class)
                    .satisfies(e -> assertThat(((ShareGroupReplayException) e).isRetriable()).isFalse());
        }
    }

    /**
     * Review 2, finding 1: a group that ran as a classic group (its offsets committed) and then switched to a share
     * group kept its classic offsets, so a replay (with the application stopped) rewound those, forgot the done marks
     * and reported success, while the share group, which the application consumes by, ran nothing again.
     */
    @Test
    void replayingAGroupSwitchedFromClassicToShareShouldBeRefused() throws Exception {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            for (int i = 0; i < 3; i++) {
                keel.publisher().publish(topic, Message.builder("c-" + i, Codec.utf8()).id("c-" + i).build());
            }
            try (Subscription classic = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), d -> handled.add(d.id()))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 3);
            }
            try (Subscription share = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .shareGroup(true).ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                    .build(), d -> handled.add(d.id()))) {
                for (int i = 0; i < 3; i++) {
                    keel.publisher().publish(topic, Message.builder("s-" + i, Codec.utf8()).id("s-" + i).build());
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 6);
            }

            assertThatThrownBy(() -> keel.reprocess(topic, group, Instant.EPOCH))
                    .isInstanceOf(ShareGroupReplayException.class)
                    .hasMessageContaining(KafkaAdapter.shareGroupId(group));
        }
    }
}
