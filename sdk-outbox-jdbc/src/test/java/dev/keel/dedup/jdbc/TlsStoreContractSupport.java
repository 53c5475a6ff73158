package dev.keel.dedup.jdbc;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.outbox.jdbc.testing.MutableClock;
import dev.keel.outbox.jdbc.testing.TlsDatabase;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;

/**
 * The idempotency store contract over TLS on a harness's TLS database, as a user that may only read and write its
 * inbox table, on a test clock moved by {@code elapse}.
 */
@Tag("secured")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TlsStoreContractSupport extends IdempotencyStoreContractTest {

    private final Supplier<TlsDatabase> createUserAndInbox;
    private final MutableClock clock = new MutableClock();
    private TlsDatabase database;

    TlsStoreContractSupport(Supplier<TlsDatabase> createUserAndInbox) {
        this.createUserAndInbox = createUserAndInbox;
    }

    @BeforeAll
    void createUserAndTable() {
        database = createUserAndInbox.get();
    }

    @AfterAll
    void drop() {
        database.drop();
    }

    @Override
    protected IdempotencyStore createStore() {
        return JdbcIdempotencyStore.create(database.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(database.prefix()).clock(clock).build());
    }

    /**
     * Four, not sixteen: every claim here opens a connection (a TLS handshake and a login, both CPU-bound), and the
     * race itself is the plaintext contract's business ({@code JdbcStoreContractSupport}, sixteen).
     */
    @Override
    protected int concurrentClaimers() {
        return 4;
    }

    @Override
    protected void elapse(Duration duration) {
        clock.advance(duration.plusMillis(1));
    }
}
