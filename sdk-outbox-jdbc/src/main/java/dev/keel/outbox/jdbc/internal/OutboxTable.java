package dev.keel.outbox.jdbc.internal;

import dev.keel.Message;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The SQL of the outbox and lane tables; every method runs in the caller's transaction. */
public final class OutboxTable {

    /** A pending row: its sequence number, topic and the message to publish. */
    public record Row(long seq, String topic, Message message) {
    }

    private static final String INSERT_COLUMNS =
            "(topic, message_id, message_key, key_hash, headers, payload, message_ts, created_at)";

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

    /** The LISTEN/NOTIFY channel of this outbox on PostgreSQL: the table's name. */
    public String channel() {
        return table;
    }

    /** The lane selector of a message: a non-negative hash of its key, or of its id when it has none. */
    public static int keyHash(String key, String id) {
        return (key != null ? key : id).hashCode() & 0x7fffffff;
    }

    /** Inserts one message (its id already set); on PostgreSQL, notifies the relays on commit in the same statement. */
    public void insert(Connection connection, String topic, Message message, long now) throws SQLException {
        String values = " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        String sql = dialect == Dialect.POSTGRESQL
                ? "WITH inserted AS (INSERT INTO " + table + " " + INSERT_COLUMNS + values
                        + " RETURNING seq) SELECT pg_notify(?, '') FROM inserted"
                : "INSERT INTO " + table + " " + INSERT_COLUMNS + values;
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setString(1, topic);
            insert.setString(2, message.id());
            insert.setString(3, message.key());
            insert.setInt(4, keyHash(message.key(), message.id()));
            insert.setBytes(5, HeaderCodec.encode(message.headers()));
            insert.setBytes(6, message.payload());
            if (message.timestamp() == null) {
                insert.setNull(7, java.sql.Types.BIGINT);
            } else {
                insert.setLong(7, message.timestamp().toEpochMilli());
            }
            insert.setLong(8, now);
            if (dialect == Dialect.POSTGRESQL) {
                insert.setString(9, channel());
                // the row is inserted; the notification is sent when the transaction commits
                insert.executeQuery().close();
            } else {
                insert.executeUpdate();
            }
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

    /** The oldest pending rows of {@code lanes} (of {@code laneCount}), at most {@code limit}, in sequence order. */
    public List<Row> pending(Connection connection, int laneCount, List<Integer> lanes, int limit) throws SQLException {
        List<Row> pending = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT seq, topic, message_id, message_key, headers,"
                + " payload, message_ts FROM " + table + " WHERE MOD(key_hash, ?) IN (" + Dialect.placeholders(lanes.size())
                + ") ORDER BY seq LIMIT ?")) {
            int p = 1;
            select.setInt(p++, laneCount);
            for (int lane : lanes) {
                select.setInt(p++, lane);
            }
            select.setInt(p, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Message.Builder message = Message.builder(rows.getBytes(6)).id(rows.getString(3))
                            .key(rows.getString(4));
                    for (Map.Entry<String, String> header : HeaderCodec.decode(rows.getBytes(5)).entrySet()) {
                        message.header(header.getKey(), header.getValue());
                    }
                    long timestamp = rows.getLong(7);
                    if (!rows.wasNull()) {
                        message.timestamp(Instant.ofEpochMilli(timestamp));
                    }
                    pending.add(new Row(rows.getLong(1), rows.getString(2), message.build()));
                }
            }
        }
        return pending;
    }

    /** Deletes the rows with these sequence numbers. */
    public void delete(Connection connection, List<Long> seqs) throws SQLException {
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
}
