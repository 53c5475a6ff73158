package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.SecuredPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The harness's TLS PostgreSQL with a role of a test's own that may only read and write its inbox table (SELECT,
 * INSERT, UPDATE, DELETE: what docs/outbox-inbox.md lists), and the table, made by the superuser.
 */
final class TlsPostgres {

    final SecuredPostgres postgres = SecuredPostgres.local();
    final String role = "keel_tls_" + UUID.randomUUID().toString().substring(0, 8);
    final String password = "pw-" + UUID.randomUUID();
    final String prefix = TestDatabase.newPrefix();

    /** Creates the role and the inbox table, granting the role only what the store needs on it. */
    TlsPostgres createRoleAndInbox() {
        postgres.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        postgres.execute("GRANT CONNECT ON DATABASE " + postgres.database() + " TO " + role);
        try (Connection connection = dataSource().getConnection()) {
            postgres.execute(JdbcSchema.script(connection, JdbcSchema.Part.INBOX, prefix));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the inbox script over TLS as " + role, e);
        }
        postgres.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + prefix + "inbox TO " + role);
        return this;
    }

    /** Drops the table and the role. */
    void drop() {
        postgres.execute("DROP TABLE IF EXISTS " + prefix + "inbox");
        postgres.execute("DROP OWNED BY " + role);
        postgres.execute("DROP ROLE IF EXISTS " + role);
    }

    /** The role's data source over TLS, trusting the CA of {@code rootCertificate}, with the client certificate or not. */
    DataSource dataSource(Path rootCertificate, boolean clientCertificate) {
        return new TestDatabase.SimpleDataSource(postgres.jdbcUrl(rootCertificate, clientCertificate), role, password);
    }

    /** The role's data source with the right certificates. */
    DataSource dataSource() {
        return dataSource(postgres.certificates().caCertificate(), true);
    }
}
