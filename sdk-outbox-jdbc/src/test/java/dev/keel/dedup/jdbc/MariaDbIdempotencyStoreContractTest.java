package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TestDatabase;

/** The idempotency store contract on the real MariaDB. */
class MariaDbIdempotencyStoreContractTest extends JdbcStoreContractSupport {
    MariaDbIdempotencyStoreContractTest() {
        super(TestDatabase.MARIADB);
    }
}
