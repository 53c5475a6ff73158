package dev.keel.outbox.jdbc.testing;

import dev.keel.outbox.jdbc.JdbcSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The real databases the tests use, from a JDBC URL and user in a system property or environment
 * variable, with the local defaults: PostgreSQL {@code jdbc:postgresql://127.0.0.1:5432/test} as
 * {@code postgres}, MariaDB {@code jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable} as {@code root}, no passwords.
 * Each test creates its tables under a table prefix of its own ({@link #newPrefix()}), so runs never collide.
 */
public enum TestDatabase {
    POSTGRESQL("postgresql", "jdbc:postgresql://127.0.0.1:5432/test", "postgres"),
    MARIADB("mariadb", "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable", "root");

    private final String name;
    private final String defaultUrl;
    private final String defaultUser;

    TestDatabase(String name, String defaultUrl, String defaultUser) {
        this.name = name;
        this.defaultUrl = defaultUrl;
        this.defaultUser = defaultUser;
    }

    /** {@code keel.jdbc.<db>.url} / {@code KEEL_JDBC_<DB>_URL}, else the local default. */
    public String url() {
        return setting("url", defaultUrl);
    }

    public String user() {
        return setting("user", defaultUser);
    }

    public String password() {
        return setting("password", "");
    }

    private String setting(String what, String fallback) {
        String property = System.getProperty("keel.jdbc." + name + "." + what);
        if (property != null) {
            return property;
        }
        String env = System.getenv("KEEL_JDBC_" + name.toUpperCase(Locale.ROOT) + "_" + what.toUpperCase(Locale.ROOT));
        return env != null ? env : fallback;
    }

    /** A data source that opens a new connection per call (no pool: the tests need none). */
    public DataSource dataSource() {
        return new SimpleDataSource(url(), user(), password());
    }

    /**
     * A data source whose sessions wait at most 1 s for a row lock (PostgreSQL {@code lock_timeout}, MariaDB
     * {@code innodb_lock_wait_timeout}; the defaults are no limit and 50 s), then fail the statement.
     */
    public DataSource dataSourceWithShortLockWaits() {
        String setting = this == MARIADB ? "sessionVariables=innodb_lock_wait_timeout=1" : "options=-c%20lock_timeout=1000";
        return new SimpleDataSource(url() + (url().contains("?") ? "&" : "?") + setting, user(), password());
    }

    /** The database server's host, from {@link #url()}. */
    public String host() {
        return hostAndPort()[0];
    }

    /** The database server's port, from {@link #url()}. */
    public int port() {
        return Integer.parseInt(hostAndPort()[1]);
    }

    private String[] hostAndPort() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("//([^:/]+):(\\d+)/").matcher(url());
        if (!m.find()) {
            throw new IllegalStateException("no host:port in " + url());
        }
        return new String[] {m.group(1), m.group(2)};
    }

    /** A data source on the same database reached through {@code host:port} (a fault proxy's). */
    public DataSource dataSourceThrough(String host, int port) {
        String through = url().replaceFirst("//[^:/]+:\\d+/", "//" + host + ":" + port + "/");
        String timeouts = this == MARIADB ? "connectTimeout=2000&socketTimeout=5000" : "connectTimeout=2&socketTimeout=5";
        return new SimpleDataSource(through + (through.contains("?") ? "&" : "?") + timeouts, user(), password());
    }

    /** A table prefix no other test uses. */
    public static String newPrefix() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "_";
    }

    /** Creates the tables of {@code part} under {@code prefix}. */
    public void create(JdbcSchema.Part part, String prefix) {
        try (Connection connection = dataSource().getConnection()) {
            JdbcSchema.apply(connection, part, prefix);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the " + part + " tables on " + url(), e);
        }
    }

    /** Drops the tables {@code prefix} created, best effort. */
    public void drop(String prefix) {
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
            for (String table : new String[] {"outbox", "outbox_lane", "inbox", "effects"}) {
                statement.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        } catch (SQLException e) {
            // best effort: a leftover table under a random prefix harms no other run
        }
    }

    /** A minimal {@link DataSource} over {@link DriverManager}. */
    public record SimpleDataSource(String url, String user, String password) implements ConnectionSource {
        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String username, String pass) throws SQLException {
            return DriverManager.getConnection(url, username, pass);
        }

        @Override
        public String toString() {
            return "SimpleDataSource{" + url + " as " + user + "}";
        }
    }
}
