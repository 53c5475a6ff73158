package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.KeelException;
import dev.keel.dedup.ClaimResult;
import dev.keel.outbox.jdbc.testing.TlsDatabase;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A certificate problem on the way to a harness's TLS database is a refusal, not an outage: the driver does not trust
 * the server's certificate, or the server does not get the client certificate it requires. Waiting cures neither, so
 * both are a non-retriable {@link JdbcRefusedException} that says what to fix, naming the driver's option, and holds
 * neither the user's password nor the key store's; the right certificates then work.
 */
@Tag("secured")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TlsCertificateSupport {

    private static final Duration LEASE = Duration.ofSeconds(30);

    private final Supplier<TlsDatabase> createUserAndInbox;
    private final String trustOption;
    private final String clientCertificateOption;
    private TlsDatabase database;

    /**
     * {@code trustOption} and {@code clientCertificateOption}: the driver's options for the CA it trusts and for the
     * client's certificate, which the refusals must name.
     */
    TlsCertificateSupport(Supplier<TlsDatabase> createUserAndInbox, String trustOption,
                          String clientCertificateOption) {
        this.createUserAndInbox = createUserAndInbox;
        this.trustOption = trustOption;
        this.clientCertificateOption = clientCertificateOption;
    }

    @BeforeAll
    void createUserAndTable() {
        database = createUserAndInbox.get();
    }

    @AfterAll
    void drop() {
        database.drop();
    }

    @Test
    void aServerCertificateOutsideTheTrustedCasShouldBeRefusedNotRetriable() {
        Throwable refused = claimWith(database.dataSource(database.certificates().untrustedCaCertificate(), true));

        assertRefused(refused, "does not trust the server's certificate", trustOption);
    }

    @Test
    void noClientCertificateWhereTheServerAsksForOneShouldBeRefusedNotRetriable() {
        Throwable refused = claimWith(database.dataSource(database.certificates().caCertificate(), false));

        assertRefused(refused, "client certificate", clientCertificateOption);
    }

    @Test
    void theRightCertificatesShouldServeAClaim() {
        assertClaims(database.dataSource(), database.prefix());
    }

    private void assertRefused(Throwable refused, String saying, String option) {
        assertThat(refused).isInstanceOf(JdbcRefusedException.class).hasMessageContaining(saying)
                .hasMessageContaining(option).hasMessageNotContaining(database.password())
                .hasMessageNotContaining(database.certificates().password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /** A claim through {@code dataSource} in the inbox table of {@code prefix} is claimed. */
    static void assertClaims(DataSource dataSource, String prefix) {
        assertThat(store(dataSource, prefix).claim("g:t", UUID.randomUUID().toString(), "token", LEASE).status())
                .isEqualTo(ClaimResult.Status.CLAIMED);
    }

    private Throwable claimWith(DataSource dataSource) {
        return catchThrowable(() -> store(dataSource, database.prefix()).claim("g:t", "m-1", "token", LEASE));
    }

    private static JdbcIdempotencyStore store(DataSource dataSource, String prefix) {
        return JdbcIdempotencyStore.create(dataSource, JdbcStoreConfig.custom().tablePrefix(prefix).build());
    }
}
