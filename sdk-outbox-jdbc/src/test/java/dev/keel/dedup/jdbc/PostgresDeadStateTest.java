package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TestDatabase;

/** The dead-lettered state on the real PostgreSQL. */
class PostgresDeadStateTest extends JdbcDeadStateSupport {
    PostgresDeadStateTest() {
        super(TestDatabase.POSTGRESQL);
    }
}
