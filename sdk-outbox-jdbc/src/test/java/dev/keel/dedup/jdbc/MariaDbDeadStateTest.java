package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.TestDatabase;

/** The dead-lettered state on the real MariaDB. */
class MariaDbDeadStateTest extends JdbcDeadStateSupport {
    MariaDbDeadStateTest() {
        super(TestDatabase.MARIADB);
    }
}
