package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TestDatabase;

/** The idempotency store contract on the real PostgreSQL. */
class PostgresIdempotencyStoreContractTest extends JdbcStoreContractSupport {
    PostgresIdempotencyStoreContractTest() {
        super(TestDatabase.POSTGRESQL);
    }
}
