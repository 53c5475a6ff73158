package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TlsPostgres;
import org.junit.jupiter.api.Tag;

/**
 * A certificate problem on the way to the harness's TLS PostgreSQL is a refusal, not an outage: pgjdbc does not trust
 * the server's certificate ({@code sslrootcert}), or the server does not get the client certificate it asks for
 * ({@code clientcert=verify-ca}; pgjdbc's {@code sslcert} and {@code sslkey}).
 */
@Tag("secured")
class PostgresTlsCertificateTest extends TlsCertificateSupport {
    PostgresTlsCertificateTest() {
        super(() -> new TlsPostgres().createRoleAndInbox(), "sslrootcert", "sslkey");
    }
}
