package dev.keel.outbox.jdbc.testing;

import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.testbrokers.SecuredPostgres;
import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The harness's TLS PostgreSQL with a role of a test's own that may only read and write its inbox table, or its outbox
 * tables (SELECT, INSERT, UPDATE, DELETE: what docs/outbox-inbox.md lists), and the tables, made by the superuser.
 */
public final class TlsPostgres implements TlsDatabase {

    public final SecuredPostgres postgres = SecuredPostgres.local();
    public final String role = "keel_tls_" + UUID.randomUUID().toString().substring(0, 8);
    public final String password = "pw-" + UUID.randomUUID();
    public final String prefix = TestDatabase.newPrefix();

    /** Creates the role and the inbox table, granting the role only what the store needs on it. */
    public TlsPostgres createRoleAndInbox() {
        return createRoleAnd(JdbcSchema.Part.INBOX, "inbox");
    }

    /** Creates the role and the outbox tables, granting the role only what the outbox and its relay need on them. */
    public TlsPostgres createRoleAndOutbox() {
        return createRoleAnd(JdbcSchema.Part.OUTBOX, "outbox", "outbox_lane");
    }

    private TlsPostgres createRoleAnd(JdbcSchema.Part part, String... tables) {
        postgres.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        postgres.execute("GRANT CONNECT ON DATABASE " + postgres.database() + " TO " + role);
        try (Connection connection = dataSource().getConnection()) {
            postgres.execute(JdbcSchema.script(connection, part, prefix));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the " + part + " script over TLS as " + role, e);
        }
        for (String table : tables) {
            postgres.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + prefix + table + " TO " + role);
        }
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
        return postgres.certificates();
    }

    /** Drops the tables and the role. */
    @Override
    public void drop() {
        for (String table : new String[] {"inbox", "outbox_lane", "outbox"}) {
            postgres.execute("DROP TABLE IF EXISTS " + prefix + table);
        }
        postgres.execute("DROP OWNED BY " + role);
        postgres.execute("DROP ROLE IF EXISTS " + role);
    }

    /** The role's data source over TLS, trusting the CA of {@code rootCertificate}, with the client certificate or not. */
    @Override
    public DataSource dataSource(Path rootCertificate, boolean clientCertificate) {
        return new TestDatabase.SimpleDataSource(postgres.jdbcUrl(rootCertificate, clientCertificate), role, password);
    }
}
