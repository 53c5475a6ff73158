package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.PemKeys;
import dev.keel.rocket.RocketConfig;
import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keel's own TLS check of the name servers before a client starts ({@link RocketTls#checkNameServers}): the client's
 * key is read again there, as rocketmq-client will read it, so key material that no longer fits is a non-retriable
 * {@link AccessRefusedException}, and an encrypted key is checked like any other. No RocketMQ: a TLS server of the
 * test stands for a name server.
 */
class RocketTlsTest {

    private static final TestCertificates TLS = TestCertificates.get();

    /** Outside review, finding 4: the key and the certificate must belong together, at start as at build. */
    @Test
    void aKeyReplacedSinceTheConfigWasBuiltShouldBeRefusedAtStartNotRetried(@TempDir Path dir) throws Exception {
        Path key = Files.copy(TLS.clientKey(), dir.resolve("client.key"));
        RocketConfig config = RocketConfig.custom().nameServer("127.0.0.1:" + closedPort()).tls(TLS.caCertificate())
                .clientCertificate(TLS.clientCertificate(), key, null).build();
        Files.copy(TLS.serverKey(), key, StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> RocketTls.checkNameServers(config)).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("the key " + key.toAbsolutePath() + " is not the key of the certificate "
                        + TLS.clientCertificate().toAbsolutePath());
    }

    /**
     * docs/security.md said an encrypted client key was not read by the check, so a certificate the name server
     * refused still showed as a retriable outage.
     */
    @Test
    void aRefusedCertificateWithAnEncryptedKeyShouldBeRefusedAtStart(@TempDir Path dir) throws Exception {
        Path key = PemKeys.encrypted(TLS.clientKeyDer(), "k3y-Pa55", dir.resolve("client.key"));
        // a server that trusts no client certificate of the run's CA
        try (SSLServerSocket server = (SSLServerSocket) TLS.context(TLS.untrustedTrustStore(), TLS.serverKeyStore())
                .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true);
            Thread accepting = new Thread(() -> {
                try (SSLSocket socket = (SSLSocket) server.accept(); InputStream in = socket.getInputStream()) {
                    in.read();
                } catch (IOException refused) {
                    // the handshake fails: the client is told why
                }
            });
            accepting.start();
            RocketConfig config = RocketConfig.custom().nameServer("127.0.0.1:" + server.getLocalPort())
                    .tls(TLS.caCertificate()).clientCertificate(TLS.clientCertificate(), key, "k3y-Pa55").build();

            assertThatThrownBy(() -> RocketTls.checkNameServers(config)).isInstanceOf(AccessRefusedException.class)
                    .hasMessageContaining("the server refused the client's certificate")
                    .hasMessageNotContaining("k3y-Pa55");
            accepting.join(10_000);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
