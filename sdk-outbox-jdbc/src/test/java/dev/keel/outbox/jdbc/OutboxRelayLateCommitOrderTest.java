package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Message;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A round that could not publish some rows reads on, page after page, each page at a snapshot of its own (READ
 * COMMITTED); a sequence number is taken at insert, not at commit. A key's row inserted before the rows of the first
 * page and committed while the round publishes them has a number below the next page's: that page must not publish
 * the key's later row ahead of it.
 */
class OutboxRelayLateCommitOrderTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aKeysRowCommittedDuringARoundShouldNotBePassedByItsLaterRowOnTheRoundsNextPage(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).batchSize(4).lanesPerRound(16).workers(1)
                .listen(false).build();
        DataSource dataSource = db.dataSource();
        Outbox outbox = Outbox.create(config);
        try (Connection slow = dataSource.getConnection()) {
            slow.setAutoCommit(false);
            outbox.publish(slow, "orders", message("k-first", "k")); // its number first, its commit late
            List<Message> bad = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bad.add(message("bad-" + i, "b" + i));
            }
            commit(dataSource, outbox, "bad", bad);
            ScriptedPublisher publisher = new ScriptedPublisher().failTopic("bad").onFirstPublishTo("bad", () -> {
                slow.commit(); // while the round publishes its first page
                commit(dataSource, outbox, "orders", List.of(message("k-second", "k")));
            });
            try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
                relay.publishPending();
                relay.publishPending(); // the next drain: the first row, then the second
            }
            assertThat(publisher.confirmed()).as("key k's rows, in the order published")
                    .containsExactly("k-first", "k-second");
        } finally {
            db.drop(prefix);
        }
    }

    /** The same for two keys that differ only in a trailing space: MariaDB's padding collation must not merge them. */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void keysThatDifferOnlyInATrailingSpaceShouldEachKeepTheirOrder(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).batchSize(4).lanesPerRound(16).workers(1)
                .listen(false).build();
        DataSource dataSource = db.dataSource();
        Outbox outbox = Outbox.create(config);
        try (Connection slow = dataSource.getConnection()) {
            slow.setAutoCommit(false);
            outbox.publish(slow, "orders", message("k-first", "k"));
            outbox.publish(slow, "orders", message("k-space-first", "k "));
            List<Message> bad = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bad.add(message("bad-" + i, "b" + i));
            }
            commit(dataSource, outbox, "bad", bad);
            ScriptedPublisher publisher = new ScriptedPublisher().failTopic("bad").onFirstPublishTo("bad", () -> {
                slow.commit();
                commit(dataSource, outbox, "orders", List.of(message("k-second", "k"),
                        message("k-space-second", "k ")));
            });
            try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
                relay.publishPending();
                relay.publishPending();
            }
            assertThat(publisher.confirmed().stream().filter(id -> id.startsWith("k-space")).toList())
                    .as("key 'k ''s rows, in the order published").containsExactly("k-space-first", "k-space-second");
            assertThat(publisher.confirmed().stream().filter(id -> id.startsWith("k-") && !id.startsWith("k-space"))
                    .toList()).as("key k's rows, in the order published").containsExactly("k-first", "k-second");
        } finally {
            db.drop(prefix);
        }
    }

    private static Message message(String id, String key) {
        return Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key(key).build();
    }

    private static void commit(DataSource dataSource, Outbox outbox, String topic, List<Message> messages)
            throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (Message message : messages) {
                outbox.publish(connection, topic, message);
            }
            connection.commit();
        }
    }
}
