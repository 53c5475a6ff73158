package dev.keel.dedup.jdbc;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.MutableClock;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** The store contract on a real database, in an inbox table of its own, on a test clock moved by {@code elapse}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcStoreContractSupport extends IdempotencyStoreContractTest {

    private final TestDatabase database;
    private final String prefix = TestDatabase.newPrefix();
    private final MutableClock clock = new MutableClock();

    JdbcStoreContractSupport(TestDatabase database) {
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
        return JdbcIdempotencyStore.create(database.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(prefix).clock(clock).build());
    }

    @Override
    protected void elapse(Duration duration) {
        clock.advance(duration.plusMillis(1));
    }
}
