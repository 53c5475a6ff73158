package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.Effects;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A broadcast subscription's instances each apply every message once, with done marks of their own
 * ({@code <group>+<instance>:<topic>}). The transactional handler marked every instance's messages done under the
 * group's namespace ({@code <group>:<topic>}): with two instances on one database, the second found the first's
 * done mark and skipped its effect, silently (a read-only review's find).
 */
class BroadcastTransactionalInboxTest {

    private static final String TOPIC = "prices";
    private static final String GROUP = "cache";

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyBroadcastInstanceShouldApplyTheEffectOnceThroughTheTransactionalHandler(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        DataSource dataSource = db.dataSource();
        Effects.createTable(dataSource, prefix);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(dataSource,
                JdbcStoreConfig.custom().tablePrefix(prefix).build());
        SubscriptionConfig<String> config = SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).broadcast(true)
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build();
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel a = Keel.builder(broker.connect()).idempotencyStore(store).instanceId("a").build();
             Keel b = Keel.builder(broker.connect()).idempotencyStore(store).instanceId("b").build()) {
            a.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).build());
            for (Keel keel : new Keel[] {a, b}) {
                keel.subscribe(config, store.transactional(config, keel.instanceId(),
                        (delivery, connection) -> Effects.apply(connection, prefix, keel.instanceId() + "/"
                                + delivery.id())));
            }
            a.publisher(TOPIC, Codec.utf8()).message("p").id("m1").publish();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Effects.counts(dataSource, prefix))
                    .as("effects by instance and message").isEqualTo(Map.of("a/m1", 1, "b/m1", 1)));
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestDatabase.class, names = "POSTGRESQL")
    void aTransactionalHandlerWithoutTheInstanceShouldBeRefusedForABroadcastSubscription(TestDatabase db) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(db.dataSource(), JdbcStoreConfig.custom().build());
        SubscriptionConfig<String> config = SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).broadcast(true)
                .build();
        assertThatThrownBy(() -> store.transactional(config, (delivery, connection) -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transactional(subscription, keel.instanceId(), handler)");
    }
}
