package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.Message;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A delayed message through the outbox, on the real databases and a real Kafka: the relay publishes it
 * with its due time and priority, as a direct publish would, so it is not delivered at once.
 */
@UsesBrokers(BrokerKind.KAFKA)
class OutboxDelayTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDelayedMessageShouldLeaveTheRelayWithItsDueTimeAndPriorityNotAtOnce(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("outboxdelay");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).build();
        DataSource dataSource = db.dataSource();
        Instant due = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        try (Keel keel = OutboxRelayTest.keel(topic); KafkaWire wire = new KafkaWire(bootstrap, topic);
             KafkaWire delayed = new KafkaWire(bootstrap, topic + ".keel-delay")) {
            Outbox outbox = Outbox.create(config);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                outbox.publish(connection, topic, Message.builder(bytes("later")).id("later").key("k").priority(7)
                        .deliverAt(due).build());
                outbox.publish(connection, topic, Message.builder(bytes("now")).id("now").key("k").build());
                connection.commit();
            }
            try (OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
                assertThat(relay.publishPending()).isEqualTo(2);
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().stream().anyMatch(c -> c.id().equals("now")));
            // the undelayed message of the same key is there; the one due in an hour must not be
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> !wire.poll().stream().map(KafkaWire.Copy::id).toList().contains("later"));
            await().atMost(Duration.ofSeconds(30)).until(() -> delayed.poll().stream()
                    .anyMatch(copy -> copy.id().equals("later")));
            KafkaWire.Copy copy = delayed.poll().stream().filter(c -> c.id().equals("later")).findFirst().orElseThrow();
            assertThat(copy.headers()).containsEntry(KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli()))
                    .containsEntry(KeelHeaders.PRIORITY, "7");
        } finally {
            db.drop(prefix);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
