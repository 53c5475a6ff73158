package dev.keel.outbox.jdbc;

import dev.keel.outbox.jdbc.internal.Dialect;
import dev.keel.outbox.jdbc.internal.Names;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The SQL scripts that create the outbox and inbox tables, shipped in this jar as plain SQL per
 * database: {@code dev/keel/outbox/jdbc/sql/postgresql/keel_outbox.sql}, {@code .../keel_inbox.sql},
 * and the same under {@code sql/mariadb/} (MariaDB 10.6+ and MySQL 8.0+).
 *
 * <p>Keel never creates or alters tables on its own. In production, copy the scripts into your
 * migration tool (Flyway, Liquibase) or run them once with {@code psql -f} / {@code mariadb <}; a
 * missing table, or an outbox table of an earlier layout, is reported with a message that names the
 * script to apply ({@link Part#OUTBOX_V2_UPGRADE} for the latter). {@link #apply} runs a script over
 * a connection, for tests and local development.
 */
public final class JdbcSchema {

    /** The tables a script creates. */
    public enum Part {
        /** {@code <prefix>outbox} and {@code <prefix>outbox_lane}, for {@link Outbox} and {@link OutboxRelay}. */
        OUTBOX("keel_outbox.sql"),
        /** {@code <prefix>inbox}, for {@code dev.keel.dedup.jdbc.JdbcIdempotencyStore}. */
        INBOX("keel_inbox.sql"),
        /**
         * Upgrades a {@code <prefix>outbox} created by the first {@link #OUTBOX} script: adds the columns
         * {@code deliver_at}, {@code priority}, {@code parked_at} and {@code park_cause} and the index of
         * parked rows. Run it once on such a table; a new table from {@link #OUTBOX} has them already.
         */
        OUTBOX_V2_UPGRADE("keel_outbox_v2_upgrade.sql");

        private final String file;

        Part(String file) {
            this.file = file;
        }
    }

    private JdbcSchema() {
    }

    /** Where the script of {@code part} for the database behind {@code connection} lies in this jar. */
    public static String resource(Connection connection, Part part) throws SQLException {
        return resource(Dialect.of(connection), part);
    }

    static String resource(Dialect dialect, Part part) {
        return "dev/keel/outbox/jdbc/sql/" + dialect.scriptFolder() + "/" + part.file;
    }

    /**
     * The script of {@code part} for the database behind {@code connection}, with the table prefix
     * {@code keel_} replaced by {@code tablePrefix}.
     */
    public static String script(Connection connection, Part part, String tablePrefix) throws SQLException {
        Objects.requireNonNull(part, "part");
        String prefix = Names.checkPrefix(tablePrefix);
        String text = read(resource(Dialect.of(connection), part));
        return text.replace(Names.DEFAULT_TABLE_PREFIX, prefix);
    }

    /**
     * Runs the script of {@code part} (with {@code tablePrefix}) statement by statement on
     * {@code connection}, in its current transaction mode. For tests and development: in production,
     * apply the scripts with your migration tool.
     */
    public static void apply(Connection connection, Part part, String tablePrefix) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements(script(connection, part, tablePrefix))) {
                statement.execute(sql);
            }
        }
    }

    /** The statements of a script: comment lines dropped, split at semicolons that end a line. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                statements.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    private static String read(String resource) {
        try (InputStream in = JdbcSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the script " + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
