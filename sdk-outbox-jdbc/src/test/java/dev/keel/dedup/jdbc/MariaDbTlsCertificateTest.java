package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TlsMariaDb;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A certificate problem on the way to the harness's TLS MariaDB is a refusal, not an outage: Connector/J does not
 * trust the server's certificate ({@code serverSslCert}), or the user was created {@code REQUIRE X509} and the driver
 * presents no client certificate ({@code keyStore}). A user created {@code REQUIRE SSL} needs none.
 */
@Tag("secured")
class MariaDbTlsCertificateTest extends TlsCertificateSupport {

    MariaDbTlsCertificateTest() {
        super(() -> new TlsMariaDb().createUserAndInbox(), "serverSslCert", "keyStore");
    }

    @Test
    void aUserThatRequiresOnlyTlsShouldServeAClaimWithoutAClientCertificate() {
        TlsMariaDb ssl = new TlsMariaDb("SSL").createUserAndInbox();
        try {
            assertClaims(ssl.dataSource(ssl.certificates().caCertificate(), false), ssl.prefix);
        } finally {
            ssl.drop();
        }
    }
}
