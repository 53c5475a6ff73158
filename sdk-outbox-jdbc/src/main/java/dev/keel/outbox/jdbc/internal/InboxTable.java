package dev.keel.outbox.jdbc.internal;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The SQL of the inbox table. Each operation runs inside the caller's transaction: it makes sure a
 * row exists for every id (insert if absent, so the next step can lock it), locks the rows in id
 * order ({@code SELECT ... FOR UPDATE}), applies the store's rules in memory ({@link InboxRows}) and
 * writes back the changed rows in one JDBC batch: a constant number of round trips per batch. A claim
 * whose row a concurrent purge deleted between the insert and the lock inserts it again, so every
 * claim answered CLAIMED has its row written; a write that finds no row fails the transaction
 * (which is then run again) instead of reporting success.
 */
public final class InboxTable {

    /** The most ids put into one statement. */
    public static final int CHUNK = 500;
    /** How many times a row deleted under a transaction (by a concurrent purge) is inserted again. */
    static final int MAX_VANISHED_ROW_RETRIES = 3;
    private static final String COLUMNS = "namespace, message_id, token, state, expires_at";

    private final String table;
    private final Dialect dialect;

    public InboxTable(String tablePrefix, Dialect dialect) {
        this.table = Names.checkPrefix(tablePrefix) + "inbox";
        this.dialect = dialect;
    }

    public String table() {
        return table;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Claims the leases in order (see the store contract). */
    public List<ClaimResult> claimAll(Connection connection, String namespace, List<Lease> leases, long now,
                                      long leaseMillis) throws SQLException {
        return claimAll(connection, namespace, leases, now, leaseMillis, false);
    }

    /** Claims the leases in order; {@code redriven} claims take dead ids too (see the store contract). */
    public List<ClaimResult> claimAll(Connection connection, String namespace, List<Lease> leases, long now,
                                      long leaseMillis, boolean redriven) throws SQLException {
        Map<String, String> firstTokens = new LinkedHashMap<>();
        for (Lease lease : leases) {
            firstTokens.putIfAbsent(lease.id(), lease.token());
        }
        insertIfAbsent(connection, namespace, firstTokens, now + leaseMillis);
        InboxRows rows = new InboxRows(lockInserting(connection, namespace, firstTokens, now + leaseMillis), now);
        List<ClaimResult> results = rows.claimAll(leases, leaseMillis, redriven);
        write(connection, namespace, rows.changed());
        return results;
    }

    /** Completes the leases in order (see the store contract). */
    public List<LeaseOutcome> completeAll(Connection connection, String namespace, List<Lease> leases, long now,
                                          long retentionMillis) throws SQLException {
        return completeAll(connection, namespace, leases, now, retentionMillis, InboxRows.DONE);
    }

    /** Completes the leases in order into {@code finalState} (InboxRows.DONE, or DEAD for dead letters). */
    public List<LeaseOutcome> completeAll(Connection connection, String namespace, List<Lease> leases, long now,
                                          long retentionMillis, char finalState) throws SQLException {
        List<String> ids = leases.stream().map(Lease::id).distinct().toList();
        InboxRows rows = new InboxRows(lock(connection, namespace, ids), now);
        List<LeaseOutcome> results = rows.completeAll(leases, retentionMillis, finalState);
        write(connection, namespace, rows.changed());
        return results;
    }

    /** Deletes the row of a live claim held by {@code lease}'s token; else LOST. */
    public LeaseOutcome release(Connection connection, String namespace, Lease lease, long now) throws SQLException {
        return releaseAll(connection, namespace, List.of(lease), now).get(0);
    }

    /**
     * Releases the leases in order, as {@link #release} would one by one (an id listed twice is LOST the second
     * time), their rows locked at once in the order every other inbox call locks them and deleted in one batch.
     */
    public List<LeaseOutcome> releaseAll(Connection connection, String namespace, List<Lease> leases, long now)
            throws SQLException {
        InboxRows rows = new InboxRows(lock(connection, namespace, leases.stream().map(Lease::id).toList()), now);
        Set<String> released = new LinkedHashSet<>();
        List<LeaseOutcome> results = new ArrayList<>(leases.size());
        for (Lease lease : leases) {
            boolean releasable = !released.contains(lease.id()) && rows.releasable(lease);
            if (releasable) {
                released.add(lease.id());
            }
            results.add(releasable ? LeaseOutcome.APPLIED : LeaseOutcome.LOST);
        }
        delete(connection, namespace, released);
        return results;
    }

    private void delete(Connection connection, String namespace, Set<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM " + table + " WHERE namespace = ? AND message_id = ?")) {
            for (String id : ids) {
                dialect.bindText(delete, 1, namespace);
                dialect.bindText(delete, 2, id);
                delete.addBatch();
            }
            int[] counts = delete.executeBatch();
            long missed = Arrays.stream(counts).filter(count -> count == 0).count();
            if (missed > 0) {
                throw vanished((int) missed);
            }
        }
    }

    /**
     * For a transactional handler, before its effect: whether {@code id} is done (and not past its
     * retention), read without a lock, so that nothing else waits on the handler while it runs.
     */
    public boolean isDone(Connection connection, String namespace, String id, long now) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT token, state, expires_at FROM " + table
                + " WHERE namespace = ? AND message_id = ?")) {
            dialect.bindText(select, 1, namespace);
            dialect.bindText(select, 2, id);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return false;
                }
                InboxRows.Row row = new InboxRows.Row(dialect.readText(rows, 1), rows.getString(2).charAt(0),
                        rows.getLong(3));
                return new InboxRows(Map.of(id, row), now).isDone(id);
            }
        }
    }

    /**
     * For a transactional handler, after its effect, in the effect's transaction: marks the row of
     * {@code id} done until {@code doneUntil} unless it is done already, keeping its owner token (a
     * missing row is first inserted as a claim of {@code token}). Locks the row only from here to the
     * commit. Returns {@code false} when another transaction marked it done meanwhile (its commit came
     * first): the caller must roll its effect back.
     */
    public boolean markDoneAfterEffect(Connection connection, String namespace, String id, String token, long now,
                                       long leaseMillis, long doneUntil) throws SQLException {
        for (int attempt = 0; attempt < MAX_VANISHED_ROW_RETRIES; attempt++) {
            try (PreparedStatement update = connection.prepareStatement("UPDATE " + table
                    + " SET state = ?, expires_at = ? WHERE namespace = ? AND message_id = ?"
                    + " AND NOT (state = ? AND expires_at > ?)")) {
                update.setString(1, String.valueOf(InboxRows.DONE));
                update.setLong(2, doneUntil);
                dialect.bindText(update, 3, namespace);
                dialect.bindText(update, 4, id);
                update.setString(5, String.valueOf(InboxRows.DONE));
                update.setLong(6, now);
                if (update.executeUpdate() == 1) {
                    return true;
                }
            }
            // no row to mark: done by another transaction (whose commit we waited for), or never claimed, or purged
            InboxRows rows = new InboxRows(lock(connection, namespace, List.of(id)), now);
            if (rows.isDone(id)) {
                return false;
            }
            if (rows.row(id) == null) {
                insertIfAbsent(connection, namespace, Map.of(id, token), now + leaseMillis);
            }
        }
        throw vanished(1);
    }

    /** Deletes at most {@code limit} rows expired at {@code now}; returns how many. */
    public int deleteExpired(Connection connection, long now, int limit) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(dialect.deleteExpired(table))) {
            delete.setLong(1, now);
            delete.setInt(2, limit);
            return delete.executeUpdate();
        }
    }

    /** Deletes the rows of {@code ids} that are not processing (held under a lease); returns how many. */
    public int forgetAll(Connection connection, String namespace, List<String> ids) throws SQLException {
        List<String> sorted = new ArrayList<>(new TreeSet<>(ids));
        int deleted = 0;
        for (int from = 0; from < sorted.size(); from += CHUNK) {
            List<String> chunk = sorted.subList(from, Math.min(sorted.size(), from + CHUNK));
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table
                    + " WHERE namespace = ? AND state <> ? AND message_id IN ("
                    + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ")")) {
                int p = 1;
                delete.setString(p++, namespace);
                delete.setString(p++, String.valueOf(InboxRows.PROCESSING));
                for (String id : chunk) {
                    delete.setString(p++, id);
                }
                deleted += delete.executeUpdate();
            }
        }
        return deleted;
    }

    private void insertIfAbsent(Connection connection, String namespace, Map<String, String> tokens, long expiresAt)
            throws SQLException {
        List<Map.Entry<String, String>> sorted = new ArrayList<>(new TreeMap<>(tokens).entrySet());
        for (int from = 0; from < sorted.size(); from += CHUNK) {
            List<Map.Entry<String, String>> chunk = sorted.subList(from, Math.min(sorted.size(), from + CHUNK));
            try (PreparedStatement insert = connection.prepareStatement(
                    dialect.insertIfAbsent(table, COLUMNS, "(?, ?, ?, ?, ?)", chunk.size()))) {
                int p = 1;
                for (Map.Entry<String, String> entry : chunk) {
                    dialect.bindText(insert, p++, namespace);
                    dialect.bindText(insert, p++, entry.getKey());
                    dialect.bindText(insert, p++, entry.getValue());
                    insert.setString(p++, String.valueOf(InboxRows.PROCESSING));
                    insert.setLong(p++, expiresAt);
                }
                insert.executeUpdate();
            }
        }
    }

    /**
     * Locks the rows of the ids of {@code tokens}; a row deleted since it was inserted (a concurrent
     * {@code purgeExpired} took an expired row that the insert left in place) is inserted again as a
     * claim of its token and locked, so that every id has a row locked by this transaction.
     */
    private Map<String, InboxRows.Row> lockInserting(Connection connection, String namespace, Map<String, String> tokens,
                                                     long expiresAt) throws SQLException {
        Map<String, InboxRows.Row> found = lock(connection, namespace, tokens.keySet());
        for (int attempt = 0; found.size() < tokens.size(); attempt++) {
            Map<String, String> missing = new TreeMap<>(tokens);
            missing.keySet().removeAll(found.keySet());
            if (attempt == MAX_VANISHED_ROW_RETRIES) {
                throw vanished(missing.size());
            }
            insertIfAbsent(connection, namespace, missing, expiresAt);
            found.putAll(lock(connection, namespace, missing.keySet()));
        }
        return found;
    }

    private Map<String, InboxRows.Row> lock(Connection connection, String namespace, Iterable<String> ids)
            throws SQLException {
        List<String> sorted = new ArrayList<>(new TreeSet<>(toList(ids)));
        Map<String, InboxRows.Row> found = new HashMap<>();
        for (int from = 0; from < sorted.size(); from += CHUNK) {
            List<String> chunk = sorted.subList(from, Math.min(sorted.size(), from + CHUNK));
            try (PreparedStatement select = connection.prepareStatement("SELECT message_id, token, state, expires_at FROM "
                    + table + " WHERE namespace = ? AND message_id IN (" + Dialect.placeholders(chunk.size())
                    + ") ORDER BY message_id FOR UPDATE")) {
                dialect.bindText(select, 1, namespace);
                for (int i = 0; i < chunk.size(); i++) {
                    dialect.bindText(select, i + 2, chunk.get(i));
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.put(dialect.readText(rows, 1), new InboxRows.Row(dialect.readText(rows, 2),
                                rows.getString(3).charAt(0), rows.getLong(4)));
                    }
                }
            }
        }
        return found;
    }

    private void write(Connection connection, String namespace, Map<String, InboxRows.Row> changed)
            throws SQLException {
        if (changed.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + table
                + " SET token = ?, state = ?, expires_at = ? WHERE namespace = ? AND message_id = ?")) {
            for (Map.Entry<String, InboxRows.Row> entry : new TreeMap<>(changed).entrySet()) {
                InboxRows.Row row = entry.getValue();
                dialect.bindText(update, 1, row.token());
                update.setString(2, String.valueOf(row.state()));
                update.setLong(3, row.expiresAt());
                dialect.bindText(update, 4, namespace);
                dialect.bindText(update, 5, entry.getKey());
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            long missed = Arrays.stream(counts).filter(count -> count == 0).count();
            if (missed > 0) {
                // the rows were locked by this transaction: an update that finds none must not be reported done
                throw vanished((int) missed);
            }
        }
    }

    /**
     * A row this transaction locked or inserted is gone: the transaction is rolled back and run again
     * ({@link Transactions#isTransient}), never reported as written.
     */
    private SQLException vanished(int rows) {
        return new SQLException(rows + " row(s) of " + table + " vanished inside the transaction that held them"
                + " (a concurrent purge?); the transaction is rolled back and run again", Transactions.RETRY_STATE);
    }

    private static List<String> toList(Iterable<String> ids) {
        List<String> list = new ArrayList<>();
        ids.forEach(list::add);
        return list;
    }
}
