package dev.keel.outbox.jdbc.internal;

import dev.keel.outbox.jdbc.OutboxTableMissingException;
import java.sql.SQLException;

/**
 * Errors of an outbox table that is missing or of an earlier layout, told in words that name the
 * script to apply: never a bare "column does not exist", and never a message published without
 * the fields an older table cannot hold.
 */
public final class OutboxSchema {

    /** The script that creates the outbox tables, as {@code JdbcSchema.Part} names it. */
    public static final String CREATE_SCRIPT = "OUTBOX (dev/keel/outbox/jdbc/sql/<database>/keel_outbox.sql)";
    /** The script that upgrades a table of the first layout, as {@code JdbcSchema.Part} names it. */
    public static final String UPGRADE_SCRIPT =
            "OUTBOX_V2_UPGRADE (dev/keel/outbox/jdbc/sql/<database>/keel_outbox_v2_upgrade.sql)";

    private OutboxSchema() {
    }

    /**
     * {@code e} told again when it says that {@code table} or one of its columns is missing;
     * otherwise {@code e} itself.
     */
    public static SQLException translate(SQLException e, String table) {
        if (Transactions.isMissingTable(e)) {
            return new OutboxTableMissingException("table " + table + " does not exist: create it with the script "
                    + CREATE_SCRIPT + " shipped in sdk-outbox-jdbc", e);
        }
        if (Transactions.isMissingColumn(e)) {
            return new SQLException("table " + table + " lacks the columns " + OutboxTable.V2_COLUMNS + " of this Keel"
                    + " version (it was created by an earlier script): apply the upgrade script " + UPGRADE_SCRIPT
                    + " shipped in sdk-outbox-jdbc; until then nothing is written to or published from it, so that no"
                    + " message loses its due time or priority", e.getSQLState(), e.getErrorCode(), e);
        }
        return e;
    }
}
