package dev.keel.testbrokers;

import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalTlsRedis;
import java.util.List;
import java.util.UUID;

/**
 * A private TLS-only Redis of one test, presenting the server certificate the test chooses (expired, for another host,
 * signed by another CA: {@link ServerCertificate}) and restarted with another one on the same port
 * ({@link #restartPresenting}: a certificate rotated with a restart). Like {@link SecuredRedis} it asks every client
 * for a certificate signed by the run's CA and requires the {@code default} user's password
 * ({@link #adminPassword()}); no persistence (a restart forgets every key). Close it when done.
 */
public final class CertificateRedis implements AutoCloseable {

    private final LocalTlsRedis redis;
    private final String adminPassword;

    private CertificateRedis(LocalTlsRedis redis, String adminPassword) {
        this.redis = redis;
        this.adminPassword = adminPassword;
    }

    /** Starts one presenting {@code presented} (the harness checks it serves without trusting that certificate). */
    public static CertificateRedis start(ServerCertificate presented) {
        TestCertificates certificates = TestCertificates.get();
        String password = "admin-" + UUID.randomUUID();
        String name = "redis-cert-" + UUID.randomUUID().toString().substring(0, 8);
        return new CertificateRedis(LocalTlsRedis.start(HarnessRuntime.get(), name, certificates, password, presented),
                password);
    }

    /** {@code 127.0.0.1}. */
    public String host() {
        return LocalTlsRedis.HOST;
    }

    /** Its TLS port (it has no plaintext one); the same after a restart. */
    public int port() {
        return redis.port();
    }

    /** The {@code default} user's password; never log it. */
    public String adminPassword() {
        return adminPassword;
    }

    /** Stops it and starts it again on the same port presenting {@code next}; it forgets every key. */
    public void restartPresenting(ServerCertificate next) {
        redis.restartPresenting(next);
    }

    /** Runs a command as the {@code default} user, e.g. {@code DBSIZE}; returns its reply. */
    public String run(String... command) {
        return redis.run(List.of(List.of(command))).get(0);
    }

    @Override
    public void close() {
        redis.stop();
    }
}
