package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testkit.InMemoryBroker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the inbox table can never hold, on the real databases under a real engine (in-memory broker): refused
 * where it can be known, never taken for a store outage that pauses the consumer for ever.
 */
class InboxLimitsTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aGroupAndTopicTooLongForTheInboxShouldBeRefusedAtSubscribe(TestDatabase db) {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        String topic = "t".repeat(180);
        String group = "billing-" + "g".repeat(80);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(db.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(prefix).build());
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
