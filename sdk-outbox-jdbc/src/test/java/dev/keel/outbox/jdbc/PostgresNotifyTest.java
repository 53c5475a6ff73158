package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.core.Keel;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** On PostgreSQL a commit wakes the relay (LISTEN/NOTIFY): it publishes long before its next poll would. */
@UsesBrokers(BrokerKind.KAFKA)
class PostgresNotifyTest {

    @Test
    void aCommitShouldWakeTheRelayWithoutWaitingForItsPoll() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String topic = UniqueNames.of("notify");
        // the first poll runs at start, on the empty table; the next one would come 10 minutes later
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMinutes(10)).build();
        DataSource dataSource = db.dataSource();
        try (Keel keel = OutboxRelayTest.keel(topic); KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), topic);
             OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);
            Outbox outbox = Outbox.create(config);
            for (int i = 0; i < 3; i++) {
                try (Connection connection = dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    outbox.publish(connection, topic, OutboxRelayTest.message(i));
                    connection.commit();
                }
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> wire.poll().size() >= 3);
            assertThat(wire.countsById()).containsOnlyKeys("m-0", "m-1", "m-2");
        } finally {
            db.drop(prefix);
        }
    }
}
