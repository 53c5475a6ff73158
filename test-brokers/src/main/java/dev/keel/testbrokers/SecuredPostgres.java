package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalTlsPostgres;
import java.nio.file.Path;

/**
 * A PostgreSQL that takes TCP clients over TLS only, for tests of Keel's JDBC modules over TLS: a private cluster
 * ({@code initdb}, {@code postgres} of the installed PostgreSQL), started once per test JVM on first use and stopped
 * when it exits; never the machine's own service. It presents the run's server certificate
 * ({@link TestCertificates}), asks every client for a certificate the run's CA signed, and checks the role's password
 * (SCRAM). Tests create their roles and tables as the superuser with {@link #execute}.
 */
public final class SecuredPostgres {

    private static SecuredPostgres instance;

    private final LocalTlsPostgres postgres;
    private final TestCertificates certificates;

    private SecuredPostgres(LocalTlsPostgres postgres, TestCertificates certificates) {
        this.postgres = postgres;
        this.certificates = certificates;
    }

    /** The TLS PostgreSQL of this test JVM, started (a few seconds: initdb, then the server). */
    public static synchronized SecuredPostgres local() {
        if (instance == null) {
            TestCertificates certificates = TestCertificates.get();
            instance = new SecuredPostgres(LocalTlsPostgres.start(HarnessRuntime.get(), certificates), certificates);
        }
        return instance;
    }

    /** {@code 127.0.0.1}, which the server certificate names. */
    public String host() {
        return LocalTlsPostgres.HOST;
    }

    public int port() {
        return postgres.port();
    }

    /** The database the tests use, {@code keel}. */
    public String database() {
        return LocalTlsPostgres.DATABASE;
    }

    /** The certificates it presents and trusts. */
    public TestCertificates certificates() {
        return certificates;
    }

    /**
     * A pgjdbc URL of the database with {@code sslmode=verify-full} (the server's certificate signed by the CA of
     * {@code rootCertificate}, PEM, and naming the host) and, with {@code clientCertificate}, the run's client
     * certificate ({@code sslcert}, PEM, and {@code sslkey}, PKCS#8 DER).
     */
    public String jdbcUrl(Path rootCertificate, boolean clientCertificate) {
        String url = "jdbc:postgresql://" + host() + ":" + port() + "/" + database() + "?sslmode=verify-full&sslrootcert="
                + rootCertificate.toAbsolutePath();
        if (clientCertificate) {
            url += "&sslcert=" + certificates.clientCertificate().toAbsolutePath() + "&sslkey="
                    + certificates.clientKeyDer().toAbsolutePath();
        }
        return url;
    }

    /** Runs SQL as the superuser in {@link #database()} (over the server's socket); returns psql's unaligned output. */
    public String execute(String sql) {
        return postgres.psql(database(), sql);
    }
}
