package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.faults.FaultProxy;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.Effects;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database outage while {@code transactional(..)} handlers run, on the real databases reached through a TCP
 * fault proxy: the outage of the store the effect lives in pauses the consumer; it is not a handler failure, so it
 * neither uses up the retry policy's attempts nor dead-letters the message.
 */
class TransactionalOutageTest {

    private static final int MESSAGES = 10;
    private static final Duration OUTAGE = Duration.ofSeconds(4);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDatabaseOutageDuringTransactionalHandlingShouldPauseAndApplyEveryEffectOnceWithoutDeadLetters(
            TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        Effects.createTable(db.dataSource(), prefix);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        AtomicBoolean cut = new AtomicBoolean();
        try (FaultProxy proxy = FaultProxy.to(db.host(), db.port());
             InMemoryBroker broker = InMemoryBroker.create()) {
            DataSource throughProxy = db.dataSourceThrough(proxy.host(), proxy.port());
            JdbcIdempotencyStore store = JdbcIdempotencyStore.create(throughProxy,
                    JdbcStoreConfig.custom().tablePrefix(prefix).build());
            try (Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
                keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
                SubscriptionConfig<String> subscription = SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                        .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                        .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(100)).build())
                        .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(500)).build())
                        .build();
                keel.subscribe(subscription, store.transactional(subscription, (delivery, connection) -> {
                    Effects.apply(connection, prefix, delivery.id());
                    if (delivery.id().equals("m-3") && cut.compareAndSet(false, true)) {
                        proxy.refuse(true); // the database is away: open connections reset, new ones refused
                        proxy.cut();
                        timer.schedule(proxy::heal, OUTAGE.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }));
                TypedPublisher<String> publisher = keel.publisher("orders", Codec.utf8());
                for (int i = 0; i < MESSAGES; i++) {
                    publisher.message("v" + i).id("m-" + i).key("k" + i).publish();
                }

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(broker.committedOffsets("orders", "billing")).containsEntry(0, (long) MESSAGES));
                assertThat(cut).as("the outage happened").isTrue();
                assertThat(Effects.counts(db.dataSource(), prefix)).as("effects per message").hasSize(MESSAGES)
                        .allSatisfy((id, n) -> assertThat(n).as("effects of %s", id).isOne());
                assertThat(broker.topics().contains("orders.DLT") ? broker.records("orders.DLT") : java.util.List.of())
                        .as("dead letters").isEmpty();
            }
        } finally {
            timer.shutdownNow();
            db.drop(prefix);
        }
    }
}
