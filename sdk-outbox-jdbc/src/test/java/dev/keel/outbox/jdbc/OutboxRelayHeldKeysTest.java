package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Message;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rows held back behind a failing row of their key (or the failing rows of a topic whose publishes fail) must not
 * hold back the other keys of their lanes. A round read the oldest {@code batchSize} rows of its lanes, held-back
 * rows included: once those filled the batch, no newer row of a healthy key was read until the failing topic
 * recovered. The relay must read on past them, and never publish a key's later row before its earlier one.
 */
class OutboxRelayHeldKeysTest {

    private static final int BATCH = 10;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void healthyKeysShouldGoOutInKeyOrderWhileRowsOfAFailingTopicFillTheBatch(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = oneRoundAtATime(prefix);
        DataSource dataSource = db.dataSource();
        ScriptedPublisher publisher = new ScriptedPublisher().failTopic("down");
        List<Message> down = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            down.add(message("down-" + i, "d" + (i % 10))); // ten keys, two rows each
        }
        try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
            commit(dataSource, config, "up", List.of(message("up-0", "h0")));
            commit(dataSource, config, "down", down);
            commit(dataSource, config, "up", List.of(message("up-1", "h0"), message("up-2", "h1"),
                    message("up-3", "h0"), message("up-4", "h2")));

            long published = relay.publishPending();

            assertThat(publisher.confirmed()).as("the healthy rows published")
                    .containsExactlyInAnyOrder("up-0", "up-1", "up-2", "up-3", "up-4");
            assertThat(sentOf(publisher, "h0")).as("key h0's rows, in its order").containsExactly("up-0", "up-1", "up-3");
            assertThat(published).isEqualTo(5);
            assertThat(IntStream.range(10, 20).map(i -> publisher.attempts("down-" + i)).sum())
                    .as("sends of the failing keys' second rows, held behind their first").isZero();
            assertThat(OutboxRelayTest.countRows(dataSource, prefix)).as("rows left: the failing topic's").isEqualTo(20);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void healthyKeysShouldGoOutWhileTheRowsBehindAFailingHeadFillTheBatch(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = oneRoundAtATime(prefix);
        DataSource dataSource = db.dataSource();
        ScriptedPublisher publisher = new ScriptedPublisher().failId("stuck-0");
        List<Message> stuck = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stuck.add(message("stuck-" + i, "stuck"));
        }
        try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
            commit(dataSource, config, "orders", stuck);
            commit(dataSource, config, "orders", List.of(message("ok-0", "a"), message("ok-1", "b"),
                    message("ok-2", "a"), message("ok-3", "c"), message("ok-4", "b")));

            long published = relay.publishPending();

            assertThat(publisher.confirmed()).as("the healthy rows published")
                    .containsExactlyInAnyOrder("ok-0", "ok-1", "ok-2", "ok-3", "ok-4");
            assertThat(sentOf(publisher, "a")).as("key a's rows, in its order").containsExactly("ok-0", "ok-2");
            assertThat(sentOf(publisher, "b")).as("key b's rows, in its order").containsExactly("ok-1", "ok-4");
            assertThat(published).isEqualTo(5);
            assertThat(publisher.attempts("stuck-0")).as("sends of the failing head").isOne();
            assertThat(IntStream.range(1, 20).map(i -> publisher.attempts("stuck-" + i)).sum())
                    .as("sends of the rows behind the failing head").isZero();

            // the head goes out once it succeeds, then the rows behind it, in order
            ScriptedPublisher healed = new ScriptedPublisher();
            try (OutboxRelay again = OutboxRelay.create(dataSource, healed, config)) {
                assertThat(again.publishPending()).isEqualTo(20);
            }
            assertThat(healed.confirmed()).containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> "stuck-" + i)
                    .toList());
        } finally {
            db.drop(prefix);
        }
    }

    /** Every lane in one round, one round at a time, batches of {@value #BATCH}. */
    private static OutboxConfig oneRoundAtATime(String prefix) {
        return OutboxConfig.custom().tablePrefix(prefix).batchSize(BATCH).lanesPerRound(16).workers(1).listen(false)
                .build();
    }

    /** The ids of {@code key}'s publishes, in the order they were asked of the publisher. */
    private static List<String> sentOf(ScriptedPublisher publisher, String key) {
        return publisher.sent().stream().filter(sent -> key.equals(sent.key())).map(ScriptedPublisher.Sent::id).toList();
    }

    private static Message message(String id, String key) {
        return Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key(key).build();
    }

    private static void commit(DataSource dataSource, OutboxConfig config, String topic, List<Message> messages)
            throws Exception {
        Outbox outbox = Outbox.create(config);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (Message message : messages) {
                outbox.publish(connection, topic, message);
            }
            connection.commit();
        }
    }
}
