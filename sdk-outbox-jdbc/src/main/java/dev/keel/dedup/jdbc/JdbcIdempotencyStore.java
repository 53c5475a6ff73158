package dev.keel.dedup.jdbc;

import dev.keel.KeelException;
import dev.keel.MessageHandler;
import dev.keel.StoreUnavailableException;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.internal.DatabaseRefusals;
import dev.keel.outbox.jdbc.internal.Dialect;
import dev.keel.outbox.jdbc.internal.InboxRows;
import dev.keel.outbox.jdbc.internal.InboxTable;
import dev.keel.outbox.jdbc.internal.Transactions;
import dev.keel.spi.support.TlsFailures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * An {@link IdempotencyStore} in a PostgreSQL or MariaDB/MySQL table, {@code <prefix>inbox} (create it
 * with the script {@link JdbcSchema.Part#INBOX}; the store never creates it): the JDBC inbox.
 *
 * <p>Used as the subscription's store it behaves like the Redis store: a row per claimed id, with
 * its owner token, state (processing, done, or dead: dead-lettered, see {@link #markDead}) and expiry; a
 * batch of claims or completions is one transaction of a few statements (insert the missing rows, lock
 * the rows in id order, write back the changed ones in one JDBC batch), not a round trip per id. Expired
 * rows count as absent; {@link #purgeExpired()} deletes them in batches: run it periodically. A claim
 * answered CLAIMED always has its row written, also when a purge deleted the expired row it found
 * between its statements, and a completion reports APPLIED only for a row it updated.
 *
 * <p>What the Redis store cannot give: {@link #transactional(SubscriptionConfig, TransactionalHandler)}
 * wraps a handler that writes its effect to the same database, so that the effect and the done mark
 * commit in one transaction. A consumer killed at any point then leaves both or neither, and the
 * message's next delivery finds it done: no repeated effect.
 *
 * <p>When the database cannot be reached, or a statement fails, every method throws
 * {@link StoreUnavailableException}, and the consumer pauses until the database answers again. When the database
 * refuses (wrong credentials, a missing privilege) they throw the non-retriable {@link JdbcRefusedException},
 * saying what to fix; the consumer pauses too, logging it at ERROR, until it is fixed.
 * Thread-safe. The data source stays the caller's: {@link #close()} closes nothing.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {

    /** The longest namespace ({@code <group>:<topic>}), in UTF-8 bytes. */
    public static final int MAX_NAMESPACE_BYTES = 255;
    /** The longest message id, in UTF-8 bytes. */
    public static final int MAX_ID_BYTES = 512;
    /** The longest owner token, in UTF-8 bytes. */
    public static final int MAX_TOKEN_BYTES = 128;
    /**
     * MariaDB and MySQL refuse a login with a wrong password and one without the client certificate the user requires
     * alike (error 1045), so their refusal names both.
     */
    private static final String MAYBE_CLIENT_CERTIFICATE = "; or, if the user requires a client certificate (MariaDB"
            + " and MySQL: REQUIRE X509, ISSUER or SUBJECT, refused with the same error as a wrong password), that the"
            + " data source presents one signed by a CA the database trusts (MariaDB Connector/J: keyStore,"
            + " keyStorePassword and keyStoreType)";

    private final DataSource dataSource;
    private final JdbcStoreConfig config;
    private volatile InboxTable table;

    private JdbcIdempotencyStore(DataSource dataSource, JdbcStoreConfig config) {
        this.dataSource = dataSource;
        this.config = config;
    }

    /** A store on {@code dataSource} (ideally a connection pool); no connection is made until the first call. */
    public static JdbcIdempotencyStore create(DataSource dataSource, JdbcStoreConfig config) {
        return new JdbcIdempotencyStore(Objects.requireNonNull(dataSource, "dataSource"),
                Objects.requireNonNull(config, "config"));
    }

    public JdbcStoreConfig config() {
        return config;
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return claimAll(namespace, List.of(new Lease(boundedId(id), checkToken(token))), lease).get(0);
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return completeAll(namespace, List.of(new Lease(boundedId(id), checkToken(token))), retention).get(0);
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        boundedNamespace(namespace);
        Lease lease = new Lease(boundedId(id), checkToken(token));
        long now = config.clock().millis();
        return call("release", (table, connection) -> table.release(connection, namespace, lease, now));
    }

    /** Releases every lease in one transaction; the results are those of releasing them one by one, in order. */
    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        boundedNamespace(namespace);
        checkLeases(leases, "leases");
        if (leases.isEmpty()) {
            return List.of();
        }
        long now = config.clock().millis();
        return call("release", (table, connection) -> table.releaseAll(connection, namespace, leases, now));
    }

    /** Claims every lease in one transaction; the results are those of claiming them one by one, in order. */
    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        return claimAll(namespace, claims, lease, false);
    }

    private List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease, boolean redriven) {
        boundedNamespace(namespace);
        long leaseMillis = positiveMillis(lease, "lease");
        checkLeases(claims, "claims");
        if (claims.isEmpty()) {
            return List.of();
        }
        long now = config.clock().millis();
        return call("claim", (table, connection) ->
                table.claimAll(connection, namespace, claims, now, leaseMillis, redriven));
    }

    /** Completes every lease in one transaction; the results are those of completing them one by one, in order. */
    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        boundedNamespace(namespace);
        long retentionMillis = positiveMillis(retention, "retention");
        checkLeases(leases, "leases");
        if (leases.isEmpty()) {
            return List.of();
        }
        long now = config.clock().millis();
        return call("complete", (table, connection) ->
                table.completeAll(connection, namespace, leases, now, retentionMillis));
    }

    /** {@inheritDoc} The row's state becomes X (dead), apart from D (done). */
    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        boundedNamespace(namespace);
        long retentionMillis = positiveMillis(retention, "retention");
        List<Lease> one = List.of(new Lease(boundedId(id), checkToken(token)));
        long now = config.clock().millis();
        return call("mark dead", (table, connection) ->
                table.completeAll(connection, namespace, one, now, retentionMillis, InboxRows.DEAD)).get(0);
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return claimAllRedriven(namespace, List.of(new Lease(boundedId(id), checkToken(token))), lease).get(0);
    }

    /** Claims every re-driven lease in one transaction, as {@link #claimAll} does, taking dead ids too. */
    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        return claimAll(namespace, claims, lease, true);
    }

    /**
     * Deletes the rows whose lease or retention has run out, {@link JdbcStoreConfig#purgeBatchSize()}
     * rows per transaction, until none is left; returns how many it deleted. Expired rows already count
     * as absent: this only keeps the table small. Run it periodically (every few minutes), from one
     * instance or several.
     */
    public long purgeExpired() {
        long now = config.clock().millis();
        int batch = config.purgeBatchSize();
        long total = 0;
        int deleted;
        do {
            deleted = call("purge", (table, connection) -> table.deleteExpired(connection, now, batch));
            total += deleted;
        } while (deleted == batch);
        return total;
    }

    /** Deletes the done rows of {@code ids} in one transaction (rows processing under a lease stay). */
    @Override
    public int forgetAll(String namespace, List<String> ids) {
        boundedNamespace(namespace);
        Objects.requireNonNull(ids, "ids");
        ids.forEach(JdbcIdempotencyStore::boundedId);
        if (ids.isEmpty()) {
            return 0;
        }
        return call("forget", (table, connection) -> table.forgetAll(connection, namespace, ids));
    }

    /**
     * A handler for the subscription {@code subscription} (its group, topic and idempotency policy)
     * that runs {@code handler} in a transaction which also marks the message done in this store's
     * table: it reads the message's row without locking it, skips the effect if the row is done
     * already, runs {@code handler} on the transaction's connection, marks the row done (for the
     * policy's retention) and commits. A crash at any point commits both or neither. The row is locked
     * only from the done mark to the commit, so the subscription's lease renewals and claims never wait
     * for a running handler; when two consumers ran the same message's effect, the one whose done mark
     * comes second finds the row done and rolls its effect back. Subscribe it under
     * {@code EFFECTIVELY_ONCE} with this store as the Keel's idempotency store; it holds under
     * {@code AT_LEAST_ONCE} too (the row is then created by the handler itself).
     */
    public <T> MessageHandler<T> transactional(SubscriptionConfig<T> subscription, TransactionalHandler<T> handler) {
        Objects.requireNonNull(subscription, "subscription");
        if (subscription.broadcast()) {
            throw new IllegalArgumentException("subscription to " + subscription.topic() + " for group "
                    + subscription.group() + " is a broadcast one, whose done marks are per instance: use "
                    + "transactional(subscription, keel.instanceId(), handler)");
        }
        return transactional(subscription, "", handler);
    }

    /**
     * {@link #transactional(SubscriptionConfig, TransactionalHandler)} for a subscription run by the Keel whose
     * {@code instanceId} ({@code Keel.instanceId()}) is given: needed for a broadcast subscription, whose instances
     * each keep done marks of their own ({@link SubscriptionConfig#idempotencyNamespace}), so that every instance
     * applies the effect once.
     */
    public <T> MessageHandler<T> transactional(SubscriptionConfig<T> subscription, String instanceId,
                                               TransactionalHandler<T> handler) {
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(handler, "handler");
        String namespace = boundedNamespace(subscription.idempotencyNamespace(instanceId));
        return new TransactionalInbox<>(this, namespace, subscription.idempotencyPolicy(), handler);
    }

    /** {@inheritDoc} At most {@link #MAX_NAMESPACE_BYTES} UTF-8 bytes, the width of the inbox table's column. */
    @Override
    public void checkNamespace(String namespace) {
        boundedNamespace(namespace);
    }

    /** {@inheritDoc} At most {@link #MAX_ID_BYTES} UTF-8 bytes, the width of the inbox table's column. */
    @Override
    public void checkId(String id) {
        boundedId(id);
    }

    /** The data source the transactional handlers take their connections from. */
    DataSource dataSource() {
        return dataSource;
    }

    /** Nothing to close: the data source stays the caller's. */
    @Override
    public void close() {
        // the data source is the caller's to close
    }

    @Override
    public String toString() {
        return "JdbcIdempotencyStore{" + config + "}";
    }

    /** An inbox operation on a connection in a transaction. */
    @FunctionalInterface
    interface TableWork<T> {
        T run(InboxTable table, Connection connection) throws SQLException;
    }

    private <T> T call(String operation, TableWork<T> work) {
        try {
            return Transactions.inTransaction(dataSource, connection -> work.run(table(connection), connection));
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    InboxTable table(Connection connection) throws SQLException {
        InboxTable current = table;
        if (current == null) {
            current = new InboxTable(config.tablePrefix(), Dialect.of(connection));
            table = current;
        }
        return current;
    }

    KeelException failure(String operation, SQLException e) {
        Optional<String> certificate = TlsFailures.certificateProblem(e);
        if (certificate.isPresent()) {
            return new JdbcRefusedException("JDBC inbox " + operation + " failed the TLS handshake with the database: "
                    + certificate.get() + " (the driver's TLS settings: PostgreSQL's pgjdbc sslrootcert, sslcert and"
                    + " sslkey; MariaDB Connector/J serverSslCert or trustStore, and keyStore). Not an outage: retrying"
                    + " does not help until that is fixed", e);
        }
        DatabaseRefusals.Kind refusal = DatabaseRefusals.of(e);
        if (refusal == DatabaseRefusals.Kind.CREDENTIALS && String.valueOf(e.getMessage()).contains("certificate")) {
            return new JdbcRefusedException("JDBC inbox " + operation + " refused by the database (SQLState "
                    + e.getSQLState() + "): " + e.getMessage() + ": the database asks for a client certificate and got"
                    + " none it accepts; give the data source one signed by a CA the database trusts (PostgreSQL's"
                    + " pgjdbc: sslcert and sslkey). Not an outage: retrying does not help until that is fixed", e);
        }
        if (refusal != null) {
            String what = "JDBC inbox " + operation + " refused by the database (SQLState " + e.getSQLState()
                    + ", error code " + e.getErrorCode() + "): " + e.getMessage() + ": ";
            return new JdbcRefusedException(what + (refusal == DatabaseRefusals.Kind.CREDENTIALS
                    ? "the login was rejected; check the user and password of the data source (and that the user"
                    + " exists, may connect from this host and is not locked or expired)"
                    + (DatabaseRefusals.mayBeMissingClientCertificate(e) ? MAYBE_CLIENT_CERTIFICATE : "")
                    : "the data source's user lacks a privilege; grant it SELECT, INSERT, UPDATE and DELETE on table "
                    + config.tablePrefix() + "inbox") + ". Not an outage: retrying does not help until that is fixed",
                    e);
        }
        if (Transactions.isMissingTable(e)) {
            return new StoreUnavailableException("JDBC inbox " + operation + " failed: table " + config.tablePrefix()
                    + "inbox does not exist; create it with the script " + JdbcSchema.Part.INBOX + " shipped in"
                    + " sdk-outbox-jdbc (dev/keel/outbox/jdbc/sql/<database>/keel_inbox.sql)", e);
        }
        return new StoreUnavailableException("JDBC inbox " + operation + " failed (SQLState " + e.getSQLState() + "): "
                + e.getMessage(), e);
    }

    private static String boundedNamespace(String namespace) {
        return checkLength(namespace, "namespace", MAX_NAMESPACE_BYTES);
    }

    private static String boundedId(String id) {
        return checkLength(id, "id", MAX_ID_BYTES);
    }

    private static String checkToken(String token) {
        return checkLength(token, "token", MAX_TOKEN_BYTES);
    }

    private static String checkLength(String value, String what, int maxBytes) {
        Objects.requireNonNull(value, what);
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            String shown = value.length() > 300 ? value.substring(0, 300) + "..." : value;
            throw new IllegalArgumentException(what + " must be at most " + maxBytes + " UTF-8 bytes, was " + bytes
                    + " (the inbox table's column is that wide): '" + shown + "'"
                    + ("namespace".equals(what) ? "; shorten the group or topic name (<group>:<topic>, and"
                    + " <group>+<instance>:<topic> for a broadcast subscription)" : ""));
        }
        return value;
    }

    private static void checkLeases(List<Lease> leases, String what) {
        Objects.requireNonNull(leases, what);
        for (Lease lease : leases) {
            Objects.requireNonNull(lease, "a lease in " + what);
            boundedId(lease.id());
            checkToken(lease.token());
        }
    }

    /** A positive duration of at most {@link IdempotencyPolicy#MAX_RETENTION}, in milliseconds (at least 1). */
    private static long positiveMillis(Duration duration, String what) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be a positive duration, was " + duration);
        }
        if (duration.compareTo(IdempotencyPolicy.MAX_RETENTION) > 0) {
            throw new IllegalArgumentException(what + " must be at most " + IdempotencyPolicy.MAX_RETENTION
                    + " (IdempotencyPolicy.MAX_RETENTION), was " + duration + ": the row's expiry is now + " + what);
        }
        return Math.max(1, duration.toMillis());
    }
}
