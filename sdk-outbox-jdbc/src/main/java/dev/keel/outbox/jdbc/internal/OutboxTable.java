package dev.keel.outbox.jdbc.internal;

import dev.keel.Message;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The SQL of the outbox and lane tables; every method runs in the caller's transaction. */
public final class OutboxTable {

    /**
     * A pending row: its sequence number, topic, message id and key, and the message to publish; or,
     * for a row that cannot be read back as a message (edited by hand), no message and the reason.
     */
    public record Row(long seq, String topic, String id, String key, Message message, String unreadable) {

        /** A row read back as {@code message}. */
        public Row(long seq, String topic, Message message) {
            this(seq, topic, message.id(), message.key(), message, null);
        }
    }

    /** A key's ordering scope: its topic and key (never null). */
    public record KeyOnTopic(String topic, String key) {
    }

    /** A row to park, and why: the cause that refused it for good. */
    public record Parking(long seq, String cause) {
    }

    /** The longest {@code park_cause} stored, in characters (the column's width). */
    public static final int MAX_CAUSE_CHARS = 1000;

    /** The columns added by the v2 upgrade script, which this version reads and writes. */
    static final String V2_COLUMNS = "deliver_at, priority, parked_at, park_cause";
    /** What the headers column (BLOB) of the MariaDB/MySQL script holds. */
    static final int MARIADB_MAX_HEADER_BYTES = 65_535;
    /** What a MEDIUMBLOB holds, which a user may make the headers column (docs/outbox-inbox.md). */
    private static final long MARIADB_MEDIUMBLOB_BYTES = 16_777_215;

    private static final String INSERT_COLUMNS =
            "(topic, message_id, message_key, key_hash, headers, payload, message_ts, created_at, deliver_at, priority)";

    private final String table;
    private final String laneTable;
    private final Dialect dialect;

    public OutboxTable(String tablePrefix, Dialect dialect) {
        this.table = Names.checkPrefix(tablePrefix) + "outbox";
        this.laneTable = table + "_lane";
        this.dialect = dialect;
    }

    public Dialect dialect() {
        return dialect;
    }

    public String table() {
        return table;
    }

    /**
     * Pending rows, parked rows and the oldest pending row's {@code created_at} (epoch ms, or -1 when none is
     * pending), in one read.
     */
    public long[] backlog(Connection connection) throws SQLException {
        String sql = "SELECT SUM(CASE WHEN parked_at IS NULL THEN 1 ELSE 0 END), "
                + "SUM(CASE WHEN parked_at IS NULL THEN 0 ELSE 1 END), "
                + "MIN(CASE WHEN parked_at IS NULL THEN created_at END) FROM " + table;
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            long oldest = rows.getLong(3);
            boolean none = rows.wasNull();
            return new long[] {rows.getLong(1), rows.getLong(2), none ? -1 : oldest};
        }
    }

    /** The LISTEN/NOTIFY channel of this outbox on PostgreSQL: the table's name. */
    public String channel() {
        return table;
    }

    /** The lane selector of a message: a non-negative hash of its key, or of its id when it has none. */
    public static int keyHash(String key, String id) {
        return (key != null ? key : id).hashCode() & 0x7fffffff;
    }

    /**
     * What the headers column of this outbox holds on MariaDB/MySQL, as the table has it now (a user may have made it a
     * MEDIUMBLOB): asked only for headers larger than the shipped BLOB, so the usual publish pays nothing. Past it,
     * MariaDB in a non-strict {@code sql_mode} would cut the headers short without an error.
     */
    private long headersColumnBytes(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT CHARACTER_OCTET_LENGTH FROM "
                + "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            query.setString(1, table);
            query.setString(2, "headers");
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getLong(1) > 0 ? rows.getLong(1) : MARIADB_MAX_HEADER_BYTES;
            }
        }
    }

    /**
     * Inserts one message (its id already set) due at {@code deliverAt} ({@code null}: at once); on
     * PostgreSQL, notifies the relays on commit in the same statement.
     */
    public void insert(Connection connection, String topic, Message message, Instant deliverAt, long now)
            throws SQLException {
        String values = " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        String sql = dialect == Dialect.POSTGRESQL
                ? "WITH inserted AS (INSERT INTO " + table + " " + INSERT_COLUMNS + values
                        + " RETURNING seq) SELECT pg_notify(?, '') FROM inserted"
                : "INSERT INTO " + table + " " + INSERT_COLUMNS + values;
        byte[] headers = HeaderCodec.encode(message.headers());
        if (dialect == Dialect.MARIADB && headers.length > MARIADB_MAX_HEADER_BYTES) {
            long holds = headersColumnBytes(connection);
            if (headers.length > holds) {
                throw new IllegalArgumentException("the headers of message " + message.id() + " take "
                        + headers.length + " bytes in the outbox, more than the " + holds + " its headers column holds"
                        + " on MariaDB/MySQL: send fewer or shorter headers"
                        + (holds < MARIADB_MEDIUMBLOB_BYTES ? ", or change the column to MEDIUMBLOB" : ""));
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setString(1, topic);
            insert.setString(2, message.id());
            insert.setString(3, message.key());
            insert.setInt(4, keyHash(message.key(), message.id()));
            insert.setBytes(5, headers);
            insert.setBytes(6, message.payload());
            setMillis(insert, 7, message.timestamp());
            insert.setLong(8, now);
            setMillis(insert, 9, deliverAt);
            if (message.priority() == null) {
                insert.setNull(10, Types.SMALLINT);
            } else {
                insert.setInt(10, message.priority());
            }
            if (dialect == Dialect.POSTGRESQL) {
                insert.setString(11, channel());
                // the row is inserted; the notification is sent when the transaction commits
                insert.executeQuery().close();
            } else {
                insert.executeUpdate();
            }
        }
    }

    /**
     * Fails unless the table has the columns this version reads and writes (a table created by an
     * earlier script lacks them): see {@link OutboxSchema#translate}.
     */
    public void checkColumns(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT seq, " + V2_COLUMNS + " FROM " + table
                + " WHERE 1 = 0")) {
            select.executeQuery().close(); // the columns exist
        }
    }

    /**
     * Runs each kind of statement the relay runs besides its reads, on no row, in a transaction rolled back: the lanes
     * locked, a row parked, rows deleted. A database checks privileges before it looks for rows, so a missing one
     * fails here, before anything is published (and not after a batch was, which the next round would publish again).
     */
    public void checkRelayPrivileges(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            String grant = "SELECT and UPDATE on " + laneTable;
            try {
                statement.executeQuery("SELECT lane FROM " + laneTable + " WHERE 1 = 0 FOR UPDATE").close();
                grant = "SELECT and UPDATE on " + table;
                statement.executeUpdate("UPDATE " + table + " SET parked_at = parked_at WHERE 1 = 0");
                grant = "DELETE on " + table;
                statement.executeUpdate("DELETE FROM " + table + " WHERE 1 = 0");
            } catch (SQLException e) {
                throw new PrivilegeCheckException(grant, e);
            }
        } finally {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }

    /** A statement of {@link #checkRelayPrivileges} failed: {@link #grant()} names what it needs. */
    public static final class PrivilegeCheckException extends SQLException {

        private static final long serialVersionUID = 1L;
        private final String grant;

        PrivilegeCheckException(String grant, SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
            this.grant = grant;
        }

        /** What the refused statement needs, such as {@code "DELETE on keel_outbox"}. */
        public String grant() {
            return grant;
        }
    }

    /** Every lane number, in order. */
    public List<Integer> lanes(Connection connection) throws SQLException {
        List<Integer> lanes = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT lane FROM " + laneTable + " ORDER BY lane");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                lanes.add(rows.getInt(1));
            }
        }
        return lanes;
    }

    /** Locks up to {@code limit} lanes from {@code fromLane} on that no other transaction holds; returns them. */
    public List<Integer> lockLanes(Connection connection, int fromLane, int limit) throws SQLException {
        List<Integer> locked = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT lane FROM " + laneTable
                + " WHERE lane >= ? ORDER BY lane LIMIT ? FOR UPDATE SKIP LOCKED")) {
            select.setInt(1, fromLane);
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    locked.add(rows.getInt(1));
                }
            }
        }
        return locked;
    }

    /** The oldest publishable rows of {@code lanes} (of {@code laneCount}), at most {@code limit}: a round's first page. */
    public List<Row> pending(Connection connection, int laneCount, List<Integer> lanes, int limit) throws SQLException {
        return pending(connection, laneCount, lanes, Long.MIN_VALUE, List.of(), limit);
    }

    /**
     * The oldest publishable rows of {@code lanes} (of {@code laneCount}) after sequence number {@code after}, at most
     * {@code limit}, in sequence order: rows that are not parked, have no parked row of their key (topic and key,
     * compared exactly: {@link Dialect#exact}) before them, and are of none of the keys {@code held} (keys whose
     * earlier row the round could not publish: their later rows wait behind it).
     */
    public List<Row> pending(Connection connection, int laneCount, List<Integer> lanes, long after,
                             Collection<KeyOnTopic> held, int limit) throws SQLException {
        if (dialect == Dialect.POSTGRESQL) {
            // for this transaction only: walk the primary key in sequence order and stop at the limit, instead of a
            // scan of the whole table (dead rows included until a vacuum) and a sort, which PostgreSQL picks because
            // it cannot estimate the lane filter (8 to 10 times cheaper with 20,000 rows, live or dead: docs/performance.md)
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET LOCAL enable_sort = off");
            }
        }
        List<Row> pending = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT o.seq, o.topic, o.message_id,"
                + " o.message_key, o.headers, o.payload, o.message_ts, o.deliver_at, o.priority FROM " + table + " o"
                + " WHERE MOD(o.key_hash, ?) IN (" + Dialect.placeholders(lanes.size()) + ") AND o.parked_at IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM " + table + " p WHERE p.parked_at IS NOT NULL"
                + " AND " + dialect.exact("p.topic") + " = " + dialect.exact("o.topic")
                + " AND " + dialect.exact("p.message_key") + " = " + dialect.exact("o.message_key") + " AND p.seq < o.seq)"
                + " AND o.seq > ?" + notOf(held)
                + " ORDER BY o.seq LIMIT ?")) {
            int p = 1;
            select.setInt(p++, laneCount);
            for (int lane : lanes) {
                select.setInt(p++, lane);
            }
            select.setLong(p++, after);
            for (KeyOnTopic key : held) {
                select.setString(p++, key.topic());
                select.setString(p++, key.key());
            }
            select.setInt(p, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    pending.add(read(rows));
                }
            }
        }
        return pending;
    }

    /**
     * Those of {@code keys} (topic and key, compared exactly) with a row at or below sequence number {@code upTo}
     * still in the table, parked or not. A round's later page asks it of the keys it read: each page reads at a
     * snapshot of its own (READ COMMITTED) and a sequence number is taken at insert, not at commit, so a key's row
     * committed since an earlier page, numbered below the rows that page read, is below the later page's reach; the
     * key's rows on that page must wait behind it. One read along the primary key up to {@code upTo} (an anti-join in
     * the page's own statement made MariaDB probe the table once per row read). No {@code DISTINCT}: on MariaDB and
     * MySQL it groups by the column's collation, which pads, and would return {@code "k"} and {@code "k "} as one key;
     * the set keeps each exact key once (the page's keys are those not held back, with few rows that low).
     */
    public java.util.Set<KeyOnTopic> keysWithRowsUpTo(Connection connection, long upTo, Collection<KeyOnTopic> keys)
            throws SQLException {
        java.util.Set<KeyOnTopic> found = new java.util.HashSet<>();
        if (keys.isEmpty()) {
            return found;
        }
        String pair = "(" + dialect.exact("?") + ", " + dialect.exact("?") + ")";
        try (PreparedStatement select = connection.prepareStatement("SELECT topic, message_key FROM " + table
                + " WHERE seq <= ? AND message_key IS NOT NULL AND (" + dialect.exact("topic") + ", "
                + dialect.exact("message_key") + ") IN (" + Dialect.repeat(pair, keys.size()) + ")")) {
            int p = 1;
            select.setLong(p++, upTo);
            for (KeyOnTopic key : keys) {
                select.setString(p++, key.topic());
                select.setString(p++, key.key());
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.add(new KeyOnTopic(rows.getString(1), rows.getString(2)));
                }
            }
        }
        return found;
    }

    /** The condition that leaves out the rows of the {@code held} keys (keyless rows are of no key), or nothing. */
    private String notOf(Collection<KeyOnTopic> held) {
        if (held.isEmpty()) {
            return "";
        }
        String pair = "(" + dialect.exact("?") + ", " + dialect.exact("?") + ")";
        return " AND (o.message_key IS NULL OR (" + dialect.exact("o.topic") + ", " + dialect.exact("o.message_key")
                + ") NOT IN (" + Dialect.repeat(pair, held.size()) + "))";
    }

    private static Row read(ResultSet rows) throws SQLException {
        long seq = rows.getLong(1);
        String topic = rows.getString(2);
        String id = rows.getString(3);
        String key = rows.getString(4);
        try {
            Message.Builder message = Message.builder(rows.getBytes(6)).id(id).key(key);
            for (Map.Entry<String, String> header : HeaderCodec.decode(rows.getBytes(5)).entrySet()) {
                message.header(header.getKey(), header.getValue());
            }
            Instant timestamp = millis(rows, 7);
            if (timestamp != null) {
                message.timestamp(timestamp);
            }
            Instant deliverAt = millis(rows, 8);
            if (deliverAt != null) {
                message.deliverAt(deliverAt);
            }
            int priority = rows.getInt(9);
            if (!rows.wasNull()) {
                message.priority(priority);
            }
            return new Row(seq, topic, id, key, message.build(), null);
        } catch (RuntimeException e) {
            return new Row(seq, topic, id, key, null, "the row cannot be read back as a message: " + e.getMessage());
        }
    }

    /**
     * Deletes the rows with these sequence numbers, locking those rows and no other. On PostgreSQL one statement per
     * chunk ({@code seq IN (...)}: it locks only the rows it deletes). On MariaDB/MySQL one single-row delete by
     * primary key per row, sent as one batch: InnoDB plans a {@code seq IN (...)} list that covers a good part of the
     * table as a scan of the whole table, and such a scan locks every row it reads at READ COMMITTED too, waits for
     * the rows other rounds deleted or parked (or that transactions inserted and have not committed), and keeps the
     * lock of a row it had to wait for, though it deletes no such row. Rounds of different lanes then waited for each
     * other's commits and, taking those locks in different orders (a round parking its refused row that another
     * round's scan held), deadlocked after publishing: the round rolled back and its batch went out again. A lookup
     * by primary key locks the one row it deletes, a row of the round's own lanes, which no other relay's round
     * touches.
     */
    public void delete(Connection connection, List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return;
        }
        if (dialect == Dialect.MARIADB) {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE seq = ?")) {
                for (long seq : seqs) {
                    delete.setLong(1, seq);
                    delete.addBatch();
                }
                delete.executeBatch();
            }
            return;
        }
        for (int from = 0; from < seqs.size(); from += InboxTable.CHUNK) {
            List<Long> chunk = seqs.subList(from, Math.min(seqs.size(), from + InboxTable.CHUNK));
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE seq IN ("
                    + Dialect.placeholders(chunk.size()) + ")")) {
                for (int i = 0; i < chunk.size(); i++) {
                    delete.setLong(i + 1, chunk.get(i));
                }
                delete.executeUpdate();
            }
        }
    }

    /** Parks these rows at {@code now}, each with its cause (cut to {@value #MAX_CAUSE_CHARS} characters). */
    public void park(Connection connection, List<Parking> parkings, long now) throws SQLException {
        if (parkings.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + table
                + " SET parked_at = ?, park_cause = ? WHERE seq = ?")) {
            for (Parking parking : parkings) {
                update.setLong(1, now);
                update.setString(2, cut(parking.cause()));
                update.setLong(3, parking.seq());
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /** {@code cause} cut to {@value #MAX_CAUSE_CHARS} characters, never inside a surrogate pair. */
    static String cut(String cause) {
        if (cause.length() <= MAX_CAUSE_CHARS) {
            return cause;
        }
        int end = MAX_CAUSE_CHARS - 3;
        if (Character.isHighSurrogate(cause.charAt(end - 1))) {
            end--;
        }
        return cause.substring(0, end) + "...";
    }

    private static void setMillis(PreparedStatement statement, int index, Instant instant) throws SQLException {
        if (instant == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, instant.toEpochMilli());
        }
    }

    private static Instant millis(ResultSet rows, int column) throws SQLException {
        long millis = rows.getLong(column);
        return rows.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
