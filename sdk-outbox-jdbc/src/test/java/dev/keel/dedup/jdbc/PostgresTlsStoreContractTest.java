package dev.keel.dedup.jdbc;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.outbox.jdbc.testing.MutableClock;
import dev.keel.outbox.jdbc.testing.TlsPostgres;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;

/**
 * The idempotency store contract over TLS: the harness's PostgreSQL with {@code ssl=on}, which asks for a client
 * certificate, through pgjdbc with {@code sslmode=verify-full} (the CA and the host name checked) and a client key
 * store, as a role that may only read and write its inbox table.
 */
@Tag("secured")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresTlsStoreContractTest extends IdempotencyStoreContractTest {

    private final MutableClock clock = new MutableClock();
    private TlsPostgres database;

    @BeforeAll
    void createRoleAndTable() {
        database = new TlsPostgres().createRoleAndInbox();
    }

    @AfterAll
    void drop() {
        database.drop();
    }

    @Override
    protected IdempotencyStore createStore() {
        return JdbcIdempotencyStore.create(database.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(database.prefix).clock(clock).build());
    }

    /**
     * Four, not sixteen: every claim here opens a connection (a TLS handshake and a SCRAM login, both CPU-bound), and
     * the race itself is the plaintext contract's business ({@code PostgresIdempotencyStoreContractTest}, sixteen).
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
