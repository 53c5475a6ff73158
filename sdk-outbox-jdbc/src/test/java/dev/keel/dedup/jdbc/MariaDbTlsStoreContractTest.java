package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TlsMariaDb;
import org.junit.jupiter.api.Tag;

/**
 * The idempotency store contract over TLS: the harness's MariaDB with {@code require_secure_transport=ON}, through
 * MariaDB Connector/J with {@code sslMode=verify-full} (the CA of {@code serverSslCert} and the host name checked) and
 * a PKCS12 client key store ({@code keyStore}), as a user created {@code REQUIRE X509} that may only read and write
 * its inbox table.
 */
@Tag("secured")
class MariaDbTlsStoreContractTest extends TlsStoreContractSupport {
    MariaDbTlsStoreContractTest() {
        super(() -> new TlsMariaDb().createUserAndInbox());
    }
}
