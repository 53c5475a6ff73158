package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.metrics.MetricEvent;
import dev.keel.outbox.jdbc.internal.OutboxTable;
import dev.keel.outbox.jdbc.testing.CountingMetrics;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay when the broker or the publisher refuses a row, for good or for now, on the real databases
 * and a real Kafka: the other lanes keep flowing, the refused row's key waits behind it, and no row the
 * broker confirmed is sent again.
 */
@UsesBrokers(BrokerKind.KAFKA)
class OutboxRelayRefusalTest {

    /** Rows of other keys than the refused one, over 40 keys: every lane has some. */
    private static final int GOOD = 160;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRowRefusedForGoodShouldBeParkedWithItsCauseWhileOtherLanesFlowAndGoOutOnceRequeued(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("refused");
        // the broker refuses records over 4 KB on this topic, for good
        KafkaWire.createTopic(bootstrap, topic, 3, Map.of("max.message.bytes", "4096"));
        String key = keyInFirstLaneGroup();
        CountingMetrics metrics = new CountingMetrics();
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMillis(100))
                .metrics(metrics).build();
        DataSource dataSource = db.dataSource();
        try (Keel keel = keel(bootstrap, topic); KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            AttemptCounting publisher = new AttemptCounting(keel.publisher());
            List<String> good = new ArrayList<>();
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                outbox.publish(connection, topic, Message.builder(new byte[8192]).id("too-large").key(key).build());
                outbox.publish(connection, topic, Message.builder(bytes("small")).id("behind").key(key).build());
                outbox.publish(connection, "not a topic!", Message.builder(bytes("x")).id("bad-name").build());
                for (int i = 0; i < GOOD; i++) {
                    outbox.publish(connection, topic, Message.builder(bytes("p" + i)).id("m-" + i).key("k" + (i % 40))
                            .build());
                    good.add("m-" + i);
                }
                connection.commit();
            }

            try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    wire.poll();
                    assertThat(wire.countsById().keySet()).as("good rows on the wire").containsAll(good);
                });
                // the relay goes on polling: the refused rows are not tried again, the row behind is never sent
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                        .until(() -> publisher.attempts("too-large") == 1 && publisher.attempts("bad-name") == 1);
                assertThat(publisher.attempts("behind")).as("sends of the row behind the refused one").isZero();
                assertThat(good).as("sends per good row").allMatch(id -> publisher.attempts(id) == 1);
                wire.poll();
                assertThat(wire.countsById()).as("copies on the wire").containsOnlyKeys(good)
                        .allSatisfy((id, copies) -> assertThat(copies).as("copies of %s", id).isOne());

                // the documented listing: the parked rows with their causes, and the row held behind one
                Map<String, String> parked = query(dataSource, "SELECT message_id, park_cause FROM " + prefix
                        + "outbox WHERE parked_at IS NOT NULL ORDER BY seq");
                assertThat(parked).containsOnlyKeys("too-large", "bad-name");
                assertThat(parked.get("too-large")).contains("record too large");
                assertThat(parked.get("bad-name")).contains("topic must be");
                assertThat(query(dataSource, heldRows(prefix))).containsOnlyKeys("behind");
                assertThat(metrics.count(MetricEvent.OUTBOX_PARKED, topic)).isOne();
                assertThat(metrics.count(MetricEvent.OUTBOX_PARKED, "not a topic!")).isOne();

                // the cause fixed (the topic takes larger records), the parked row re-queued: it goes, then the row behind
                KafkaWire.alterTopic(bootstrap, topic, Map.of("max.message.bytes", "65536"));
                update(dataSource, "UPDATE " + prefix + "outbox SET parked_at = NULL, park_cause = NULL WHERE seq = "
                        + seqOf(dataSource, prefix, "too-large"));
                // a row that cannot be fixed is deleted: nothing was held behind it
                update(dataSource, "DELETE FROM " + prefix + "outbox WHERE seq = " + seqOf(dataSource, prefix, "bad-name"));
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);
                await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() >= GOOD + 2);
                assertThat(wire.idsByKey().get(key)).as("the key's rows on the wire").containsExactly("too-large", "behind");
                assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
                assertThat(publisher.attempts("behind")).isOne();
            }
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRowFailingRetriablyShouldHoldOnlyItsKeyAndGoOutOnceItSucceeds(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("failing");
        String key = keyInFirstLaneGroup();
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMillis(100)).build();
        DataSource dataSource = db.dataSource();
        try (Keel keel = keel(bootstrap, topic); KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            AttemptCounting publisher = new AttemptCounting(keel.publisher());
            publisher.failRetriably("failing");
            List<String> good = new ArrayList<>();
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                outbox.publish(connection, topic, Message.builder(bytes("f")).id("failing").key(key).build());
                outbox.publish(connection, topic, Message.builder(bytes("b")).id("behind").key(key).build());
                for (int i = 0; i < GOOD; i++) {
                    outbox.publish(connection, topic, Message.builder(bytes("p" + i)).id("m-" + i).key("k" + (i % 40))
                            .build());
                    good.add("m-" + i);
                }
                connection.commit();
            }

            try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    wire.poll();
                    assertThat(wire.countsById().keySet()).as("good rows on the wire").containsAll(good);
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> publisher.attempts("failing") >= 3);
                assertThat(publisher.attempts("behind")).as("sends of the row behind the failing one").isZero();
                assertThat(query(dataSource, "SELECT message_id, seq FROM " + prefix + "outbox ORDER BY seq"))
                        .as("rows left: the failing one and the one behind it, neither parked").containsOnlyKeys("failing", "behind");
                assertThat(query(dataSource, "SELECT message_id, seq FROM " + prefix + "outbox WHERE parked_at IS NOT NULL"))
                        .isEmpty();

                publisher.failRetriably(null);
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);
                await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().size() >= GOOD + 2);
                assertThat(wire.idsByKey().get(key)).as("the key's rows on the wire").containsExactly("failing", "behind");
                assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
                assertThat(publisher.attempts("behind")).as("sends of the row behind the failing one").isOne();
                assertThat(good).as("sends per good row").allMatch(id -> publisher.attempts(id) == 1);
            }
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRowThatCannotBeReadBackShouldBeParkedAndTheOthersGoOut(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("unreadable");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).lanesPerRound(16).build();
        DataSource dataSource = db.dataSource();
        try (Keel keel = keel(bootstrap, topic); KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                outbox.publish(connection, topic, Message.builder(bytes("x")).id("edited").key("k").build());
                outbox.publish(connection, topic, Message.builder(bytes("y")).id("fine").key("other").build());
                connection.commit();
            }
            // edited by hand: its headers say one header follows, and none does
            update(dataSource, "UPDATE " + prefix + "outbox SET headers = " + (db == TestDatabase.POSTGRESQL
                    ? "'\\x00000001'::bytea" : "X'00000001'") + " WHERE message_id = 'edited'");

            try (OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
                assertThat(relay.publishPending()).isOne();
            }
            Map<String, String> left = query(dataSource, "SELECT message_id, park_cause FROM " + prefix + "outbox");
            assertThat(left).as("rows left, with their park causes").containsOnlyKeys("edited");
            assertThat(left.get("edited")).contains("cannot be read back");
            await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().stream().anyMatch(c -> c.id().equals("fine")));
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aClosedPublisherShouldLeaveEveryRowInPlaceUnparked(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("closedpub");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).build();
        DataSource dataSource = db.dataSource();
        Keel keel = keel(bootstrap, topic);
        Outbox outbox = Outbox.create(config);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = 0; i < 10; i++) {
                outbox.publish(connection, topic, Message.builder(bytes("p")).id("m-" + i).key("k" + i).build());
            }
            connection.commit();
        }
        Publisher publisher = keel.publisher();
        keel.close(); // closed before the relay: the wrong shutdown order
        try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
            assertThat(relay.publishPending()).isZero();
            assertThat(OutboxRelayTest.countRows(dataSource, prefix)).isEqualTo(10);
            assertThat(query(dataSource, "SELECT message_id, seq FROM " + prefix + "outbox WHERE parked_at IS NOT NULL"))
                    .as("parked rows").isEmpty();
        } finally {
            db.drop(prefix);
        }
    }

    /** The documented query of the rows held behind a parked row of their key. */
    static String heldRows(String prefix) {
        return "SELECT o.message_id, o.seq FROM " + prefix + "outbox o WHERE o.parked_at IS NULL AND EXISTS (SELECT 1 FROM "
                + prefix + "outbox p WHERE p.parked_at IS NOT NULL AND p.topic = o.topic AND p.message_key = o.message_key"
                + " AND p.seq < o.seq) ORDER BY o.seq";
    }

    /** The first two columns of each row {@code sql} returns, as text, in order. */
    static Map<String, String> query(DataSource dataSource, String sql) throws Exception {
        Map<String, String> result = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                result.put(rows.getString(1), rows.getString(2));
            }
        }
        return result;
    }

    static void update(DataSource dataSource, String sql) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            assertThat(statement.executeUpdate(sql)).as(sql).isOne();
        }
    }

    static long seqOf(DataSource dataSource, String prefix, String id) throws Exception {
        return Long.parseLong(query(dataSource, "SELECT seq, message_id FROM " + prefix + "outbox WHERE message_id = '"
                + id + "'").keySet().iterator().next());
    }

    /** A key whose lane (of the script's 16) is in the first group of 4, where a drain starts. */
    static String keyInFirstLaneGroup() {
        for (int i = 0; ; i++) {
            String key = "held-" + i;
            if (OutboxTable.keyHash(key, null) % 16 < 4) {
                return key;
            }
        }
    }

    static Keel keel(String bootstrap, String topic) {
        Keel keel = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build())).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        return keel;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Counts the publishes of each id; fails those of one id retriably, as a broker briefly away would. */
    static final class AttemptCounting extends OutboxRelayTest.PublisherWrapper {
        private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        private final AtomicReference<String> failing = new AtomicReference<>();

        AttemptCounting(Publisher delegate) {
            super(delegate);
        }

        void failRetriably(String id) {
            failing.set(id);
        }

        int attempts(String id) {
            AtomicInteger n = attempts.get(id);
            return n == null ? 0 : n.get();
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            attempts.computeIfAbsent(message.id(), k -> new AtomicInteger()).incrementAndGet();
            if (message.id().equals(failing.get())) {
                return CompletableFuture.failedFuture(new PublishException("injected: broker briefly away for "
                        + message.id(), null, true));
            }
            return delegate.publishAsync(topic, message);
        }
    }
}
