package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.LeaseOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS to a TLS-only redis-server with a self-signed certificate for 127.0.0.1 (made with openssl). */
class RedisTlsTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    @TempDir
    static Path certs;
    private static RedisServerProcess redis;
    private static SSLSocketFactory trusting;

    @BeforeAll
    static void startTlsRedis() throws Exception {
        Path cert = certs.resolve("redis.crt");
        Path key = certs.resolve("redis.key");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.toString(), "-out", cert.toString());
        int tlsPort = RedisServerProcess.freePort();
        redis = RedisServerProcess.start(tlsPort, false, List.of("--port", "0", "--tls-port", String.valueOf(tlsPort),
                "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(),
                "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no"));
        trusting = socketFactoryTrusting(cert);
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static RedisStoreConfig.Builder config() {
        return RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .connectTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(1));
    }

    @Test
    void tlsWithATrustedCertificateShouldServeClaimsAndBatches() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().sslSocketFactory(trusting).build())) {
            ClaimResult single = store.claim(NS, "a", NewOwners.token(), LEASE);
            List<ClaimResult> batch = store.claimAll(NS, NewOwners.claims("a", "b"), LEASE);

            assertThat(single.isClaimed()).isTrue();
            assertThat(batch).extracting(ClaimResult::status).containsExactly(ClaimResult.Status.BUSY, ClaimResult.Status.CLAIMED);
            assertThat(store.complete(NS, "a", single.token(), LEASE)).isEqualTo(LeaseOutcome.APPLIED);
        }
    }

    @Test
    void tlsWithAnUntrustedCertificateShouldBeRefusedNotRetriable() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().ssl(true).build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE)).isInstanceOf(RedisRefusedException.class)
                    .hasMessageContaining("Redis at 127.0.0.1:" + redis.port() + " failed the TLS handshake")
                    .hasMessageContaining("trust store")
                    .satisfies(e -> assertThat(((RedisRefusedException) e).isRetriable()).isFalse());
        }
    }

    /**
     * A plaintext client at the TLS-only port: Redis resets the connection, which is not an outage. Before, that was a
     * retriable "is unreachable (... Connection reset)", for ever.
     */
    @Test
    void aPlaintextClientAtTheTlsPortShouldBeRefusedNamingATlsListener() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE))
                    .isInstanceOf(RedisRefusedException.class)
                    .hasMessageContaining("Redis at 127.0.0.1:" + redis.port() + " is a TLS listener")
                    .hasMessageContaining("RedisStoreConfig ssl(true)").hasMessageContaining("retrying cannot help");
        }
    }

    /**
     * A TLS client at a plaintext Redis: its handshake waits for an answer that never comes. Before, that read
     * "did not answer within socketTimeout ...: it is slow or overloaded", or "is unreachable".
     */
    @Test
    void aTlsClientAtAPlaintextRedisShouldBeRefusedNamingAPlaintextListener() {
        try (RedisServerProcess plain = RedisServerProcess.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(plain.host())
                     .port(plain.port()).connectTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(1))
                     .sslSocketFactory(trusting).build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE))
                    .isInstanceOf(RedisRefusedException.class)
                    .hasMessageContaining("Redis at 127.0.0.1:" + plain.port() + " is a plaintext listener: it answered"
                            + " a plaintext PING")
                    .hasMessageContaining("retrying cannot help");
        }
    }

    /**
     * A TLS store at a listener that takes the connection and never answers the handshake: an outage (retriable), not a
     * listener of the other kind, named by the timeout Jedis waits for the handshake's answers (socketTimeout).
     */
    @Test
    void aListenerThatNeverAnswersTheHandshakeShouldBeAnOutageNamingSocketTimeout() throws IOException {
        try (SilentListener silent = new SilentListener();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host("127.0.0.1")
                     .port(silent.port()).connectTimeout(Duration.ofMillis(700))
                     .socketTimeout(Duration.ofMillis(500)).sslSocketFactory(trusting).build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE))
                    .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.isRetriable()).isTrue())
                    .hasMessageContaining("did not answer within socketTimeout (500 ms)")
                    .hasMessageNotContaining("listener");
        }
    }

    private static SSLSocketFactory socketFactoryTrusting(Path certFile) throws Exception {
        Certificate certificate;
        try (InputStream in = Files.newInputStream(certFile)) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
        trustStore.load(null, null);
        trustStore.setCertificateEntry("redis", certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", command) + "\n" + output);
        }
    }
}
