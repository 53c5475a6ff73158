package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalTlsRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A Redis that speaks TLS only, for tests of Keel's store over TLS: a private {@code redis-server} started once per
 * test JVM on first use and stopped when it exits. It presents the run's server certificate
 * ({@link TestCertificates}), asks every client for a certificate signed by the run's CA, and requires a login: the
 * {@code default} user has a password made at start ({@link #adminPassword()}); tests add ACL users with
 * {@link #putUser}. No persistence, no kill or restart.
 */
public final class SecuredRedis {

    private static SecuredRedis instance;

    private final LocalTlsRedis redis;
    private final TestCertificates certificates;
    private final String adminPassword;

    private SecuredRedis(LocalTlsRedis redis, TestCertificates certificates, String adminPassword) {
        this.redis = redis;
        this.certificates = certificates;
        this.adminPassword = adminPassword;
    }

    /** The TLS Redis of this test JVM, started. */
    public static synchronized SecuredRedis local() {
        if (instance == null) {
            TestCertificates certificates = TestCertificates.get();
            String password = "admin-" + UUID.randomUUID();
            instance = new SecuredRedis(LocalTlsRedis.start(HarnessRuntime.get(), certificates, password), certificates,
                    password);
        }
        return instance;
    }

    /** {@code 127.0.0.1}, which the server certificate names. */
    public String host() {
        return LocalTlsRedis.HOST;
    }

    /** Its TLS port (it has no plaintext one). */
    public int port() {
        return redis.port();
    }

    /** The certificates it presents and trusts. */
    public TestCertificates certificates() {
        return certificates;
    }

    /** The {@code default} user's password, made at start; never log it. */
    public String adminPassword() {
        return adminPassword;
    }

    /**
     * Creates an ACL user or replaces it: {@code ACL SETUSER <user> reset on ><password> <rules...>}, e.g. rules
     * {@code "~keel:*", "-@all", "+get", "+set"}.
     */
    public void putUser(String user, String password, String... rules) {
        List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", user, "reset", "on", ">" + password));
        command.addAll(List.of(rules));
        redis.run(List.of(command));
    }

    /** Removes an ACL user; its connections are closed. */
    public void removeUser(String user) {
        redis.run(List.of(List.of("ACL", "DELUSER", user)));
    }
}
