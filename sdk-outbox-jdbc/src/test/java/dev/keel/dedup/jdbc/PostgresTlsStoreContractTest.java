package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TlsPostgres;
import org.junit.jupiter.api.Tag;

/**
 * The idempotency store contract over TLS: the harness's PostgreSQL with {@code ssl=on}, which asks for a client
 * certificate, through pgjdbc with {@code sslmode=verify-full} (the CA and the host name checked) and a client key
 * store, as a role that may only read and write its inbox table.
 */
@Tag("secured")
class PostgresTlsStoreContractTest extends TlsStoreContractSupport {
    PostgresTlsStoreContractTest() {
        super(() -> new TlsPostgres().createRoleAndInbox());
    }
}
