package dev.keel.outbox.jdbc.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/** The test's side effect: a row per application of a message in {@code <prefix>effects}, duplicates kept. */
public final class Effects {

    private Effects() {
    }

    public static void createTable(DataSource dataSource, String prefix) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + prefix + "effects (message_id VARCHAR(255) NOT NULL)");
        }
    }

    /** Applies the effect of {@code id} on {@code connection}, in its current transaction. */
    public static void apply(Connection connection, String prefix, String id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix
                + "effects (message_id) VALUES (?)")) {
            insert.setString(1, id);
            insert.executeUpdate();
        }
    }

    /** How many times each message's effect was applied (committed). */
    public static Map<String, Integer> counts(DataSource dataSource, String prefix) throws SQLException {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT message_id, COUNT(*) FROM " + prefix
                     + "effects GROUP BY message_id")) {
            while (rows.next()) {
                counts.put(rows.getString(1), rows.getInt(2));
            }
        }
        return counts;
    }
}
