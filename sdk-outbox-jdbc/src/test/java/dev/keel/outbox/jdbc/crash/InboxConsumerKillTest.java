package dev.keel.outbox.jdbc.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.Effects;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A consumer JVM on real Kafka and PostgreSQL (then MariaDB) is killed with kill -9 between a message's effect and its
 * acknowledgement (and, in the transactional run, with other messages inside their uncommitted
 * transactions); a second consumer of the group finishes the stream. With the transactional inbox every
 * message has exactly one effect. The same kill without it repeats an effect: the window the inbox closes.
 */
@UsesBrokers(BrokerKind.KAFKA)
class InboxConsumerKillTest {

    private static final int MESSAGES = 300;
    private static final int BLOCK_AFTER = 120;
    private static final Duration LEASE = Duration.ofSeconds(3);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theTransactionalInboxShouldLeaveExactlyOneEffectPerMessageWhenTheConsumerIsKilled(TestDatabase db)
            throws Exception {
        Map<String, Integer> effects = killAndFinish(db, "transactional", "blocking after the commit of");

        assertThat(effects).hasSize(MESSAGES);
        assertThat(effects.values()).as("effects per message id").containsOnly(1);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void withoutTheTransactionalInboxTheSameKillShouldRepeatTheEffectItInterrupted(TestDatabase db) throws Exception {
        Map<String, Integer> effects = killAndFinish(db, "plain", "blocking after the effect of");

        assertThat(effects).hasSize(MESSAGES);
        assertThat(effects.values()).as("the interrupted message's effect is applied again").contains(2);
    }

    private Map<String, Integer> killAndFinish(TestDatabase db, String mode, String blockedLine) throws Exception {
        DataSource dataSource = db.dataSource();
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        Effects.createTable(dataSource, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("inbox");
        String group = UniqueNames.of("group");
        try {
            publish(bootstrap, topic);
            try (ForkedJvm victim = ForkedJvm.builder(InboxConsumerMain.class)
                    .args(db.name(), prefix, bootstrap, topic, group, String.valueOf(BLOCK_AFTER),
                            String.valueOf(LEASE.toMillis()), mode)
                    .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                    .start()) {
                victim.awaitLineContaining(blockedLine, Duration.ofSeconds(120));
                assertThat(victim.kill()).isEqualTo(137);
            }

            try (JdbcIdempotencyStore store = JdbcIdempotencyStore.create(dataSource,
                    JdbcStoreConfig.custom().tablePrefix(prefix).build());
                 Keel survivor = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build()))
                         .idempotencyStore(store).build()) {
                SubscriptionConfig<String> subscription = InboxConsumerMain.subscription(topic, group, LEASE);
                if (mode.equals("transactional")) {
                    survivor.subscribe(subscription, store.transactional(subscription,
                            (delivery, connection) -> Effects.apply(connection, prefix, delivery.id())));
                } else {
                    survivor.subscribe(subscription, delivery -> {
                        try (Connection connection = dataSource.getConnection()) {
                            Effects.apply(connection, prefix, delivery.id());
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(120)).until(() -> Effects.counts(dataSource, prefix).size() == MESSAGES);
                // the survivor has applied every message; give a stray duplicate time to show
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> Effects.counts(dataSource, prefix).size() == MESSAGES);
            }
            return Effects.counts(dataSource, prefix);
        } finally {
            db.drop(prefix);
        }
    }

    private static void publish(String bootstrap, String topic) {
        try (Keel publishing = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build()))
                .withoutIdempotencyStore().build()) {
            publishing.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(publishing.publisher().publishAsync(topic, Message.builder("m-" + i, Codec.utf8()).id("m-" + i)
                        .key("k" + (i % 10)).build()).toCompletableFuture());
            }
            sends.forEach(CompletableFuture::join);
        }
    }
}
