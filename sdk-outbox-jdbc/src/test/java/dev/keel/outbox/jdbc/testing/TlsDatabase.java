package dev.keel.outbox.jdbc.testing;

import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * A TLS database of the harness ({@link TlsPostgres}, {@link TlsMariaDb}) with a least-privileged user of a test's
 * own and its tables, as the tests over TLS use it, whichever the database.
 */
public interface TlsDatabase {

    /** The table prefix of the test's tables. */
    String prefix();

    /** The user's password, which no error message may hold. */
    String password();

    /** The certificates the server presents and trusts. */
    TestCertificates certificates();

    /** The user's data source over TLS, trusting the CA of {@code trusted} (PEM), with a client certificate or not. */
    DataSource dataSource(Path trusted, boolean clientCertificate);

    /** The user's data source with the right certificates. */
    default DataSource dataSource() {
        return dataSource(certificates().caCertificate(), true);
    }

    /** Drops the tables and the user. */
    void drop();
}
