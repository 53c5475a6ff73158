package dev.keel.dedup.jdbc;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testkit.store.DeadStateContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The dead-lettered state on a real database, in an inbox table of its own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcDeadStateSupport extends DeadStateContractTest {

    private final TestDatabase database;
    private final String prefix = TestDatabase.newPrefix();

    JdbcDeadStateSupport(TestDatabase database) {
        this.database = database;
    }

    @BeforeAll
    void createTable() {
        database.create(JdbcSchema.Part.INBOX, prefix);
    }

    @AfterAll
    void dropTable() {
        database.drop(prefix);
    }

    @Override
    protected IdempotencyStore createStore() {
        return JdbcIdempotencyStore.create(database.dataSource(), JdbcStoreConfig.custom().tablePrefix(prefix).build());
    }
}
