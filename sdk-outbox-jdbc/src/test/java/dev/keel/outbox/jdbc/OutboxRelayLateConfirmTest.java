package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A publish that reaches the broker, and is confirmed, only after the relay's confirm timeout (a connection that
 * stalls for a while; the publisher keeps trying), on the real databases and a real Kafka: the row must not be sent
 * again, nor the later rows of its key go out before it.
 */
@UsesBrokers(BrokerKind.KAFKA)
class OutboxRelayLateConfirmTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aPublishConfirmedAfterTheConfirmTimeoutShouldGoOutOnceAndBeforeTheLaterRowsOfItsKey(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("late-confirm");
        OutboxConfig config = config(prefix);
        DataSource dataSource = db.dataSource();
        try (Keel keel = OutboxRelayRefusalTest.keel(bootstrap, topic); KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            StalledFirstSend publisher = new StalledFirstSend(keel.publisher(), "first", Duration.ofMillis(1500));
            writeRows(dataSource, config, topic);

            try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);
                publisher.stalledSend().get(30, TimeUnit.SECONDS);
                // every copy the publisher had confirmed is on the wire
                await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() >= publisher.totalAttempts());
                assertThat(wire.idsByKey().get("k")).as("the key's messages on the wire, in order")
                        .containsExactly("first", "second", "third");
                assertThat(publisher.attempts("first")).as("sends of the stalled row").isOne();
            }
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRoundInterruptedWhileItsPublishIsStalledShouldStillWaitForItsOutcome(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("late-interrupted");
        OutboxConfig config = config(prefix);
        DataSource dataSource = db.dataSource();
        ScheduledExecutorService applications = Executors.newSingleThreadScheduledExecutor();
        try (Keel keel = OutboxRelayRefusalTest.keel(bootstrap, topic); KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            StalledFirstSend publisher = new StalledFirstSend(keel.publisher(), "first", Duration.ofMillis(1500));
            writeRows(dataSource, config, topic);

            try (OutboxRelay interrupted = OutboxRelay.create(dataSource, publisher, config, applications);
                 OutboxRelay other = OutboxRelay.create(dataSource, publisher, config)) {
                interrupted.start();
                publisher.stalledStarted().get(30, TimeUnit.SECONDS);
                applications.shutdownNow(); // the application stops its scheduler: the round's thread is interrupted
                other.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);
                publisher.stalledSend().get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() >= publisher.totalAttempts());
                assertThat(wire.idsByKey().get("k")).as("the key's messages on the wire, in order")
                        .containsExactly("first", "second", "third");
                assertThat(publisher.attempts("first")).as("sends of the stalled row").isOne();
            }
        } finally {
            applications.shutdownNow();
            db.drop(prefix);
        }
    }

    /** A relay that polls often and waits 300 ms for confirms. */
    private static OutboxConfig config(String prefix) {
        return OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMillis(100))
                .confirmTimeout(Duration.ofMillis(300)).build();
    }

    /** Rows first, second and third of key k, committed in one transaction. */
    private static void writeRows(DataSource dataSource, OutboxConfig config, String topic) throws Exception {
        Outbox outbox = Outbox.create(config);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (String id : new String[] {"first", "second", "third"}) {
                outbox.publish(connection, topic, Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key("k")
                        .build());
            }
            connection.commit();
        }
    }

    /** Holds the first send of one id back for a while before passing it on, as a stalled connection would. */
    private static final class StalledFirstSend extends OutboxRelayTest.PublisherWrapper {
        private final String stalledId;
        private final Duration stall;
        private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        private final CompletableFuture<PublishReceipt> stalledSend = new CompletableFuture<>();
        private final CompletableFuture<Void> stalledStarted = new CompletableFuture<>();

        StalledFirstSend(Publisher delegate, String stalledId, Duration stall) {
            super(delegate);
            this.stalledId = stalledId;
            this.stall = stall;
        }

        /** Completed when the stalled send was handed over (and is held back). */
        CompletableFuture<Void> stalledStarted() {
            return stalledStarted;
        }

        /** The stalled send, completed once Keel's publisher confirmed (or failed) it. */
        CompletableFuture<PublishReceipt> stalledSend() {
            return stalledSend;
        }

        int totalAttempts() {
            return attempts.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        int attempts(String id) {
            AtomicInteger n = attempts.get(id);
            return n == null ? 0 : n.get();
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            int attempt = attempts.computeIfAbsent(message.id(), k -> new AtomicInteger()).incrementAndGet();
            if (message.id().equals(stalledId) && attempt == 1) {
                stalledStarted.complete(null);
                CompletableFuture.supplyAsync(() -> null,
                        CompletableFuture.delayedExecutor(stall.toMillis(), TimeUnit.MILLISECONDS))
                        .thenCompose(v -> delegate.publishAsync(topic, message))
                        .whenComplete((receipt, error) -> {
                            if (error != null) {
                                stalledSend.completeExceptionally(error);
                            } else {
                                stalledSend.complete(receipt);
                            }
                        });
                return stalledSend.copy();
            }
            return delegate.publishAsync(topic, message);
        }
    }
}
