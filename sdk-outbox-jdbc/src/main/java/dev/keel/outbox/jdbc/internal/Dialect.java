package dev.keel.outbox.jdbc.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What differs between the databases Keel's JDBC outbox and inbox support: the few SQL phrases and
 * how text keys are bound (MariaDB/MySQL store ids as UTF-8 bytes so that they compare exactly).
 */
public enum Dialect {
    POSTGRESQL("postgresql") {
        @Override
        public String insertIfAbsent(String table, String columns, String rowValues, int rows) {
            return "INSERT INTO " + table + " (" + columns + ") VALUES " + repeat(rowValues, rows)
                    + " ON CONFLICT DO NOTHING";
        }

        @Override
        public String deleteExpired(String table) {
            return "DELETE FROM " + table + " WHERE ctid IN (SELECT ctid FROM " + table
                    + " WHERE expires_at <= ? LIMIT ?)";
        }

        @Override
        public void bindText(PreparedStatement statement, int index, String value) throws SQLException {
            statement.setString(index, value);
        }

        @Override
        public String readText(ResultSet rows, int column) throws SQLException {
            return rows.getString(column);
        }

        @Override
        public String exact(String expression) {
            return expression; // text compares exactly: no padding, no case folding
        }
    },
    MARIADB("mariadb") {
        @Override
        public String insertIfAbsent(String table, String columns, String rowValues, int rows) {
            String firstColumn = columns.substring(0, columns.indexOf(',')).strip();
            return "INSERT INTO " + table + " (" + columns + ") VALUES " + repeat(rowValues, rows)
                    + " ON DUPLICATE KEY UPDATE " + firstColumn + " = " + firstColumn;
        }

        @Override
        public String deleteExpired(String table) {
            return "DELETE FROM " + table + " WHERE expires_at <= ? LIMIT ?";
        }

        @Override
        public void bindText(PreparedStatement statement, int index, String value) throws SQLException {
            statement.setBytes(index, value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String readText(ResultSet rows, int column) throws SQLException {
            byte[] bytes = rows.getBytes(column);
            return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public String exact(String expression) {
            return "CAST(" + expression + " AS BINARY)";
        }
    };

    private final String scriptFolder;

    Dialect(String scriptFolder) {
        this.scriptFolder = scriptFolder;
    }

    /** The folder of this database's SQL scripts under {@code dev/keel/outbox/jdbc/sql/}. */
    public String scriptFolder() {
        return scriptFolder;
    }

    /** A multi-row insert that leaves rows whose primary key exists already untouched. */
    public abstract String insertIfAbsent(String table, String columns, String rowValues, int rows);

    /** Deletes at most {@code ?2} rows whose {@code expires_at} is at or before {@code ?1}. */
    public abstract String deleteExpired(String table);

    /** Binds a key column value (namespace, id, token) of the inbox table. */
    public abstract void bindText(PreparedStatement statement, int index, String value) throws SQLException;

    /** Reads a key column value of the inbox table. */
    public abstract String readText(ResultSet rows, int column) throws SQLException;

    /**
     * {@code expression} (a text column or parameter) as a value that compares exactly, byte for byte, in an
     * equality. MariaDB and MySQL compare the outbox's {@code utf8mb4_bin} columns ignoring trailing spaces (PAD
     * SPACE): {@code 'k' = 'k '} is true there, so two keys that differ only in trailing spaces would be taken for
     * one; as binary strings they differ, as the inbox's ids (stored as bytes) do.
     */
    public abstract String exact(String expression);

    /**
     * The dialect of the database behind {@code connection}.
     *
     * @throws IllegalStateException for a database other than PostgreSQL, MariaDB or MySQL
     */
    public static Dialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        if (name.contains("mariadb") || name.contains("mysql")) {
            return MARIADB;
        }
        throw new IllegalStateException("database '" + product + "' is not supported: Keel's JDBC outbox and inbox"
                + " run on PostgreSQL and on MariaDB or MySQL");
    }

    /** {@code rowValues} {@code rows} times, comma separated. */
    static String repeat(String rowValues, int rows) {
        StringBuilder sql = new StringBuilder(rows * (rowValues.length() + 2));
        for (int i = 0; i < rows; i++) {
            if (i > 0) {
                sql.append(", ");
            }
            sql.append(rowValues);
        }
        return sql.toString();
    }

    /** {@code n} question marks, comma separated, for an IN list. */
    public static String placeholders(int n) {
        return repeat("?", n);
    }
}
