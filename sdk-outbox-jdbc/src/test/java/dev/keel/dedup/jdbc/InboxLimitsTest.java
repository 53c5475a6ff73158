package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the inbox table can never hold, on the real databases under a real engine (in-memory broker): refused
 * where it can be known, never taken for a store outage that pauses the consumer for ever.
 */
class InboxLimitsTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMessageWhoseIdTheInboxCannotHoldShouldBeDeadLetteredWithItsCauseAndTheRestShouldFlow(TestDatabase db) {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        String longId = "x".repeat(600);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(db.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(prefix).build());
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
            keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), delivery -> handled.add(delivery.id()));
            TypedPublisher<String> publisher = keel.publisher("orders", Codec.utf8());
            publisher.message("before").id("before-1").key("k1").publish();
            publisher.message("long").id(longId).key("k2").publish();
            for (int i = 0; i < 5; i++) {
                publisher.message("after").id("after-" + i).key(i == 0 ? "k2" : "k" + (10 + i)).publish();
            }

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(broker.committedOffsets("orders", "billing")).containsEntry(0, 7L));
            assertThat(handled).containsExactlyInAnyOrder("before-1", "after-0", "after-1", "after-2", "after-3",
                    "after-4");
            assertThat(broker.records("orders.DLT")).singleElement().satisfies(letter -> {
                assertThat(letter.id()).isEqualTo(longId);
                assertThat(letter.headers().get(KeelHeaders.DLT_CAUSE_MESSAGE)).contains("id must be at most 512");
            });
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aGroupAndTopicTooLongForTheInboxShouldBeRefusedAtSubscribe(TestDatabase db) {
        refusedAtSubscribe(db, false);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aGroupAndTopicTooLongShouldBeRefusedAtSubscribeThroughATestkitDecoratorToo(TestDatabase db) {
        refusedAtSubscribe(db, true);
    }

    private static void refusedAtSubscribe(TestDatabase db, boolean decorated) {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        String topic = "t".repeat(180);
        String group = "billing-" + "g".repeat(80);
        JdbcIdempotencyStore jdbc = JdbcIdempotencyStore.create(db.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(prefix).build());
        IdempotencyStore store = decorated ? new FaultyIdempotencyStore(jdbc) : jdbc;
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
            SubscriptionConfig<String> subscription = SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build();

            assertThatThrownBy(() -> keel.subscribe(subscription, delivery -> { }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at most " + JdbcIdempotencyStore.MAX_NAMESPACE_BYTES + " UTF-8 bytes")
                    .hasMessageContaining(group);
            assertThat(broker.memberCount(topic, group)).as("consumers left running").isZero();
        } finally {
            db.drop(prefix);
        }
    }
}
