package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Message;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A parked row holds back the later rows of its key, and of no other key. MariaDB compares the shipped outbox's
 * {@code utf8mb4_bin} columns ignoring trailing spaces (PAD SPACE), so a parked row of key {@code "k "} held back the
 * rows of key {@code "k"} (and of {@code "k  "}): keys must compare exactly, byte for byte, as the inbox's ids do.
 */
class OutboxRelayExactKeysTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aParkedRowShouldNotHoldBackAKeyThatDiffersFromItsOnlyInTrailingSpaces(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).workers(1).listen(false).build();
        DataSource dataSource = db.dataSource();
        ScriptedPublisher publisher = new ScriptedPublisher().refuseId("parked");
        try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
            commit(dataSource, config, Message.builder(bytes("p")).id("parked").key("k ").build());
            assertThat(relay.publishPending()).isZero();
            assertThat(OutboxRelayRefusalTest.query(dataSource, "SELECT message_id, park_cause FROM " + prefix
                    + "outbox WHERE parked_at IS NOT NULL")).containsOnlyKeys("parked");

            commit(dataSource, config,
                    Message.builder(bytes("a")).id("plain-1").key("k").build(),
                    Message.builder(bytes("b")).id("behind").key("k ").build(),
                    Message.builder(bytes("c")).id("two-spaces").key("k  ").build(),
                    Message.builder(bytes("d")).id("plain-2").key("k").build());

            long published = relay.publishPending();

            assertThat(publisher.confirmed()).as("published: the keys that only look like the parked row's")
                    .containsExactly("plain-1", "two-spaces", "plain-2");
            assertThat(published).isEqualTo(3);
            assertThat(publisher.attempts("behind")).as("sends of the row behind the parked one, of its exact key")
                    .isZero();
            assertThat(OutboxRelayRefusalTest.query(dataSource, "SELECT message_id, seq FROM " + prefix + "outbox"))
                    .containsOnlyKeys("parked", "behind");
        } finally {
            db.drop(prefix);
        }
    }

    static void commit(DataSource dataSource, OutboxConfig config, Message... messages) throws Exception {
        Outbox outbox = Outbox.create(config);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (Message message : messages) {
                outbox.publish(connection, "exact-keys", message);
            }
            connection.commit();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
