package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TlsDatabase;
import dev.keel.outbox.jdbc.testing.TlsMariaDb;
import dev.keel.outbox.jdbc.testing.TlsPostgres;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The outbox and its relay over TLS, as a user with only the privileges docs/outbox-inbox.md lists: the harness's
 * PostgreSQL with {@code ssl=on}, which asks for a client certificate, through pgjdbc with {@code sslmode=verify-full}
 * and a client certificate; the harness's MariaDB with {@code require_secure_transport=ON}, a user created
 * {@code REQUIRE X509}, through Connector/J with {@code sslMode=verify-full} and a client key store. What commits is
 * published once, in key order, and its rows go; nothing rolled back is.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.KAFKA)
class OutboxRelayOverTlsTest {

    @Test
    void committedRowsShouldBePublishedOnceInKeyOrderOverTlsAsALeastPrivilegedRole() throws Exception {
        publishOnceInKeyOrder(new TlsPostgres().createRoleAndOutbox());
    }

    @Test
    void committedRowsShouldBePublishedOnceInKeyOrderOverTlsOnMariaDbAsALeastPrivilegedUser() throws Exception {
        publishOnceInKeyOrder(new TlsMariaDb().createUserAndOutbox());
    }

    private static void publishOnceInKeyOrder(TlsDatabase database) throws Exception {
        String topic = UniqueNames.of("outbox-tls");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(database.prefix()).pollInterval(Duration.ofMillis(200))
                .build();
        DataSource dataSource = database.dataSource();
        try (Keel keel = OutboxRelayTest.keel(topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), topic);
             OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
            relay.start();
            List<String> committed = OutboxRelayTest.publishRollingBackEveryFourth(dataSource, config, topic, 60);

            await().atMost(Duration.ofSeconds(60)).until(() -> OutboxRelayTest.distinctIds(wire) >= committed.size());
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> OutboxRelayTest.distinctIds(wire) >= committed.size());
            assertThat(wire.countsById().keySet()).containsExactlyInAnyOrderElementsOf(committed);
            assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
            OutboxRelayTest.assertInKeyOrder(wire.idsByKey());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> OutboxRelayTest.countRows(dataSource, database.prefix()) == 0);
        } finally {
            database.drop();
        }
    }
}
