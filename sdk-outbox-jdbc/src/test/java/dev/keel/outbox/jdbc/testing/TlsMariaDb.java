package dev.keel.outbox.jdbc.testing;

import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.testbrokers.SecuredMariaDB;
import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The harness's TLS MariaDB with a user of a test's own, {@code '<user>'@'127.0.0.1'} with a password and
 * {@code REQUIRE X509} (a client certificate the run's CA signed) or another {@code REQUIRE} clause, that may only read
 * and write its inbox table, or its outbox tables (what docs/outbox-inbox.md lists), and the tables, made by root.
 */
public final class TlsMariaDb implements TlsDatabase {

    public final SecuredMariaDB mariadb = SecuredMariaDB.local();
    public final String user = "keel_tls_" + UUID.randomUUID().toString().substring(0, 8);
    public final String password = "pw-" + UUID.randomUUID();
    public final String prefix = TestDatabase.newPrefix();
    private final String require;

    /** A user that must present a client certificate: {@code REQUIRE X509}. */
    public TlsMariaDb() {
        this("X509");
    }

    /** A user created with {@code REQUIRE <require>} ({@code X509}, {@code SSL}). */
    public TlsMariaDb(String require) {
        this.require = require;
    }

    /** Creates the user and the inbox table, granting the user only what the store needs on it. */
    public TlsMariaDb createUserAndInbox() {
        return createUserAnd(JdbcSchema.Part.INBOX, "GRANT SELECT, INSERT, UPDATE, DELETE ON " + prefix + "inbox");
    }

    /**
     * Creates the user and the outbox tables, granting the user what the application's user (INSERT) and the relay's
     * (the rest) need on them, and nothing on {@code outbox_lane} beyond the relay's SELECT and UPDATE.
     */
    public TlsMariaDb createUserAndOutbox() {
        return createUserAnd(JdbcSchema.Part.OUTBOX, "GRANT SELECT, INSERT, UPDATE, DELETE ON " + prefix + "outbox",
                "GRANT SELECT, UPDATE ON " + prefix + "outbox_lane");
    }

    /**
     * The user first, with no privilege: it logs in without a database to read the script of this server's dialect,
     * which root then runs before granting.
     */
    private TlsMariaDb createUserAnd(JdbcSchema.Part part, String... grants) {
        mariadb.execute("CREATE USER " + grantee() + " IDENTIFIED BY '" + password + "' REQUIRE " + require + ";");
        DataSource noDatabase = new TestDatabase.SimpleDataSource(mariadb.jdbcUrl("", certificates().caCertificate(),
                true), user, password);
        try (Connection connection = noDatabase.getConnection()) {
            mariadb.execute(JdbcSchema.script(connection, part, prefix));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the " + part + " script over TLS as " + user, e);
        }
        StringBuilder sql = new StringBuilder();
        for (String grant : grants) {
            sql.append(grant).append(" TO ").append(grantee()).append(";\n");
        }
        mariadb.execute(sql.toString());
        return this;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public TestCertificates certificates() {
        return mariadb.certificates();
    }

    /** Drops the tables and the user. */
    @Override
    public void drop() {
        mariadb.execute("DROP TABLE IF EXISTS " + prefix + "inbox, " + prefix + "outbox_lane, " + prefix + "outbox;\n"
                + "DROP USER IF EXISTS " + grantee() + ";");
    }

    private String grantee() {
        return "'" + user + "'@'" + mariadb.host() + "'";
    }

    /** The user's data source over TLS, trusting the CA of {@code serverSslCert}, with a client certificate or not. */
    @Override
    public DataSource dataSource(Path serverSslCert, boolean clientCertificate) {
        return new TestDatabase.SimpleDataSource(mariadb.jdbcUrl(serverSslCert, clientCertificate), user, password);
    }
}
