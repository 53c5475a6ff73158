package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalTlsMariaDB;
import java.nio.file.Path;

/**
 * A MariaDB that takes TCP clients over TLS only, for tests of Keel's JDBC modules over TLS: a private server
 * ({@code mariadb-install-db}, {@code mariadbd} of the installed MariaDB), started once per test JVM on first use and
 * stopped when it exits; never the machine's own service. It presents the run's server certificate
 * ({@link TestCertificates}), has {@code require_secure_transport=ON} and the grant tables on, and trusts client
 * certificates the run's CA signed. Tests create their users (at host {@code 127.0.0.1} or {@code %}, with a password
 * and {@code REQUIRE X509} to ask for a client certificate, or {@code REQUIRE SSL}) and their tables as {@code root},
 * over the server's socket, with {@link #execute}; {@code root} cannot log in over TCP.
 */
public final class SecuredMariaDB {

    private static SecuredMariaDB instance;

    private final LocalTlsMariaDB mariadb;
    private final TestCertificates certificates;

    private SecuredMariaDB(LocalTlsMariaDB mariadb, TestCertificates certificates) {
        this.mariadb = mariadb;
        this.certificates = certificates;
    }

    /** The TLS MariaDB of this test JVM, started (about two seconds: mariadb-install-db, then the server). */
    public static synchronized SecuredMariaDB local() {
        if (instance == null) {
            TestCertificates certificates = TestCertificates.get();
            instance = new SecuredMariaDB(LocalTlsMariaDB.start(HarnessRuntime.get(), certificates), certificates);
        }
        return instance;
    }

    /** {@code 127.0.0.1}, which the server certificate names, and the address TCP clients come from. */
    public String host() {
        return LocalTlsMariaDB.HOST;
    }

    public int port() {
        return mariadb.port();
    }

    /** The database the tests use, {@code keel}. */
    public String database() {
        return LocalTlsMariaDB.DATABASE;
    }

    /** The certificates it presents and trusts. */
    public TestCertificates certificates() {
        return certificates;
    }

    /**
     * A MariaDB Connector/J URL of the database with {@code sslMode=verify-full} (the server's certificate signed by
     * the CA of {@code serverSslCert}, PEM, and naming the host) and, with {@code clientCertificate}, the run's client
     * key store ({@code keyStore}, PKCS12, with {@code keyStorePassword} and {@code keyStoreType}). The URL then holds
     * the key store's password: never log it.
     */
    public String jdbcUrl(Path serverSslCert, boolean clientCertificate) {
        return jdbcUrl(database(), serverSslCert, clientCertificate);
    }

    /**
     * {@link #jdbcUrl(Path, boolean)} of {@code database}, or of none when it is empty: a user may log in without a
     * database, but not into one it has no privilege in yet (error 1044).
     */
    public String jdbcUrl(String database, Path serverSslCert, boolean clientCertificate) {
        String url = "jdbc:mariadb://" + host() + ":" + port() + "/" + database + "?sslMode=verify-full&serverSslCert="
                + serverSslCert.toAbsolutePath();
        if (clientCertificate) {
            url += "&keyStore=" + certificates.clientKeyStore().toAbsolutePath() + "&keyStorePassword="
                    + certificates.password() + "&keyStoreType=PKCS12";
        }
        return url;
    }

    /**
     * Runs SQL (one statement or several, each ended by {@code ;}) as {@code root} in {@link #database()}, over the
     * server's socket; returns the client's tab-separated rows.
     */
    public String execute(String sql) {
        return mariadb.execute(database(), sql);
    }
}
