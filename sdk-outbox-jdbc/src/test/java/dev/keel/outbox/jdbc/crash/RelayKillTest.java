package dev.keel.outbox.jdbc.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.outbox.jdbc.testing.Effects;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A relay JVM is killed with kill -9 after the broker confirmed messages whose rows it had not yet
 * deleted; a second relay takes over. Every committed message reaches the consumer; the ones caught
 * in the crash are on the wire twice with the same id, and the JDBC inbox applies each message once.
 * On PostgreSQL and on MariaDB.
 */
@UsesBrokers(BrokerKind.KAFKA)
class RelayKillTest {

    private static final int MESSAGES = 300;
    private static final int CONFIRMS_BEFORE_WITHHOLDING = 100;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRelayKilledBetweenConfirmAndDeleteShouldLeaveOneEffectPerMessageAndSameIdCopies(TestDatabase db)
            throws Exception {
        DataSource dataSource = db.dataSource();
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        db.create(JdbcSchema.Part.INBOX, prefix);
        Effects.createTable(dataSource, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("relaykill");
        String group = UniqueNames.of("group");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).build();
        try (Keel keel = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build())).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build();
             KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                for (int i = 0; i < MESSAGES; i++) {
                    outbox.publish(connection, topic, Message.builder(("p" + i).getBytes(StandardCharsets.UTF_8))
                            .id("m-" + i).key("k" + (i % 10)).build());
                }
                connection.commit();
            }

            try (ForkedJvm victim = ForkedJvm.builder(WithholdingRelayMain.class)
                    .args(db.name(), prefix, bootstrap, String.valueOf(CONFIRMS_BEFORE_WITHHOLDING))
                    .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                    .start()) {
                victim.awaitLineContaining("withholding confirmations", Duration.ofSeconds(120));
                assertThat(victim.kill()).isEqualTo(137);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() > CONFIRMS_BEFORE_WITHHOLDING);
            int onTheWireBeforeTakeover = wire.poll().size();

            try (OutboxRelay takeover = OutboxRelay.create(dataSource, keel.publisher(), config)) {
                takeover.publishPending();
            }
            try (JdbcIdempotencyStore store = JdbcIdempotencyStore.create(dataSource,
                    JdbcStoreConfig.custom().tablePrefix(prefix).build());
                 Keel consumer = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build()))
                         .idempotencyStore(store).build()) {
                SubscriptionConfig<String> subscription = InboxConsumerMain.subscription(topic, group,
                        Duration.ofSeconds(3));
                consumer.subscribe(subscription, store.transactional(subscription,
                        (delivery, connection) -> Effects.apply(connection, prefix, delivery.id())));
                await().atMost(Duration.ofSeconds(120)).until(() -> Effects.counts(dataSource, prefix).size() == MESSAGES);
                // every message has an effect; keep consuming a while, so that a late duplicate effect would show
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> Effects.counts(dataSource, prefix).size() == MESSAGES);
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() >= MESSAGES);
            assertThat(OutboxTestAccess.rows(dataSource, prefix)).as("rows left in the outbox").isZero();
            assertThat(wire.countsById()).hasSize(MESSAGES);
            assertThat(wire.countsById().values()).as("copies per id on the wire").allMatch(n -> n == 1 || n == 2);
            assertThat(wire.countsById().values()).as("the crash caught messages confirmed but not deleted").contains(2);
            assertThat(onTheWireBeforeTakeover).isGreaterThan(CONFIRMS_BEFORE_WITHHOLDING);
            assertThat(Effects.counts(dataSource, prefix).values()).as("effects per message id").containsOnly(1);
        } finally {
            db.drop(prefix);
        }
    }
}
