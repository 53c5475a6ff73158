package dev.keel.outbox.jdbc.crash;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Reads the outbox table directly. */
final class OutboxTestAccess {

    private OutboxTestAccess() {
    }

    static long rows(DataSource dataSource, String prefix) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + prefix + "outbox")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
