package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.metrics.MetricEvent;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.CountingMetrics;
import dev.keel.outbox.jdbc.testing.Effects;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A transactional handler that runs long, on the real databases and a real Kafka: its lease renewals
 * and the claims of other messages go on meanwhile, the subscription never pauses, and its message
 * stays held against other consumers. On MariaDB the sessions' lock wait timeout is 1 s, far shorter
 * than the handler.
 */
@UsesBrokers(BrokerKind.KAFKA)
class TransactionalHandlerLockTest {

    private static final int OTHERS = 20;
    private static final Duration LEASE = Duration.ofSeconds(3);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aLongTransactionalHandlerShouldHoldBackNeitherRenewalsNorOtherMessages(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        // on MariaDB a lock wait ends after 1 s (a store call then fails); on PostgreSQL it has no limit (the default)
        DataSource dataSource = db == TestDatabase.MARIADB ? db.dataSourceWithShortLockWaits() : db.dataSource();
        Effects.createTable(dataSource, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("txlock");
        SubscriptionConfig<String> subscription = SubscriptionConfig.builder(topic, UniqueNames.of("group"),
                        Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(8)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build();
        String namespace = subscription.group() + ":" + topic;
        CountingMetrics metrics = new CountingMetrics();
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch releaseSlow = new CountDownLatch(1);
        Map<String, Long> handledAt = new ConcurrentHashMap<>();
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(dataSource,
                JdbcStoreConfig.custom().tablePrefix(prefix).build());
        ClaimWatchingStore watched = new ClaimWatchingStore(store);
        try (Keel keel = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build()))
                .idempotencyStore(watched).metrics(metrics).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
            MessageHandler<String> inbox = store.transactional(subscription, (delivery, connection) -> {
                Effects.apply(connection, prefix, delivery.id());
                if (delivery.id().equals("slow")) {
                    slowStarted.countDown();
                    assertThat(releaseSlow.await(120, TimeUnit.SECONDS)).as("released by the test").isTrue();
                }
            });
            keel.subscribe(subscription, delivery -> {
                inbox.handle(delivery);
                handledAt.put(delivery.id(), System.nanoTime());
            });

            keel.publisher().publish(topic, Message.builder("slow", Codec.utf8()).id("slow").key("slow-key").build());
            assertThat(slowStarted.await(60, TimeUnit.SECONDS)).as("the slow handler started").isTrue();
            // a renewal of the slow message's lease has started while its handler runs
            await().atMost(Duration.ofSeconds(30)).until(() -> watched.claimCalls("slow") >= 2);

            Map<String, Long> publishedAt = new ConcurrentHashMap<>();
            List<String> others = new ArrayList<>();
            for (int i = 0; i < OTHERS; i++) {
                String id = "other-" + i;
                others.add(id);
                publishedAt.put(id, System.nanoTime());
                keel.publisher().publish(topic, Message.builder(id, Codec.utf8()).id(id).key("key-" + i).build());
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(handledAt.keySet())
                    .as("messages of other keys handled while the slow handler runs").containsAll(others));
            long slowest = others.stream().mapToLong(id -> handledAt.get(id) - publishedAt.get(id)).max().orElseThrow();
            System.out.println("other keys: slowest publish-to-handled " + TimeUnit.NANOSECONDS.toMillis(slowest) + " ms");
            assertThat(releaseSlow.getCount()).as("the slow handler is still running").isOne();

            // longer than a lease: the slow message's lease is renewed, so it stays held against other consumers
            int callsBefore = watched.claimCalls("slow");
            await().atMost(Duration.ofSeconds(30)).until(() -> watched.claimCalls("slow") >= callsBefore + 3);
            assertThat(store.claim(namespace, "slow", "another-consumer", LEASE).status())
                    .as("a claim of the running message by another consumer").isEqualTo(ClaimResult.Status.BUSY);
            assertThat(metrics.count(MetricEvent.STORE_UNAVAILABLE)).as("times the subscription paused for the store")
                    .isZero();

            releaseSlow.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> handledAt.containsKey("slow"));
            assertThat(Effects.counts(dataSource, prefix)).as("effects per message").hasSize(OTHERS + 1)
                    .allSatisfy((id, n) -> assertThat(n).as("effects of %s", id).isOne());
            assertThat(store.claim(namespace, "slow", "another-consumer", LEASE).status())
                    .isEqualTo(ClaimResult.Status.DUPLICATE);
        } finally {
            releaseSlow.countDown();
            db.drop(prefix);
        }
    }
}
