package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.KeelException;
import dev.keel.dedup.ClaimResult;
import dev.keel.outbox.jdbc.testing.TlsPostgres;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A certificate problem on the way to the harness's TLS PostgreSQL is a refusal, not an outage: pgjdbc does not trust
 * the server's certificate, or the server does not get the client certificate it asks for. Waiting cures neither, so
 * both are a non-retriable {@link JdbcRefusedException} that says what to fix; the right certificates then work.
 */
@Tag("secured")
class PostgresTlsCertificateTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static TlsPostgres database;

    @BeforeAll
    static void createRoleAndTable() {
        database = new TlsPostgres().createRoleAndInbox();
    }

    @AfterAll
    static void drop() {
        database.drop();
    }

    @Test
    void aServerCertificateOutsideTheTrustedCasShouldBeRefusedNotRetriable() {
        Throwable refused = claimWith(database.dataSource(database.postgres.certificates().untrustedCaCertificate(),
                true));

        assertThat(refused).isInstanceOf(JdbcRefusedException.class)
                .hasMessageContaining("does not trust the server's certificate").hasMessageContaining("sslrootcert")
                .hasMessageNotContaining(database.password);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    @Test
    void noClientCertificateWhereTheServerAsksForOneShouldBeRefusedNotRetriable() {
        Throwable refused = claimWith(database.dataSource(database.postgres.certificates().caCertificate(), false));

        assertThat(refused).isInstanceOf(JdbcRefusedException.class)
                .hasMessageContaining("client certificate").hasMessageContaining("sslkey")
                .hasMessageNotContaining(database.password);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    @Test
    void theRightCertificatesShouldServeAClaim() {
        JdbcIdempotencyStore store = store(database.dataSource());
        assertThat(store.claim("g:t", UUID.randomUUID().toString(), "token", LEASE).status())
                .isEqualTo(ClaimResult.Status.CLAIMED);
    }

    private static Throwable claimWith(DataSource dataSource) {
        return catchThrowable(() -> store(dataSource).claim("g:t", "m-1", "token", LEASE));
    }

    private static JdbcIdempotencyStore store(DataSource dataSource) {
        return JdbcIdempotencyStore.create(dataSource, JdbcStoreConfig.custom().tablePrefix(database.prefix).build());
    }
}
