package dev.keel.testbrokers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The run's certificates, checked with a JDK TLS server that presents the server certificate and asks for a client's. */
class TestCertificatesTest {

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void aClientTrustingTheCaShouldCompleteAMutualHandshakeWithHostNameVerificationOn() throws Exception {
        assertThat(handshake(certificates.clientContext(), "localhost")).isEqualTo("pong");
        assertThat(handshake(certificates.clientContext(), "127.0.0.1")).isEqualTo("pong");
    }

    @Test
    void aClientTrustingAnotherCaShouldFailTheHandshake() {
        assertThatThrownBy(() -> handshake(certificates.untrustingContext(), "127.0.0.1"))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void aClientWithoutACertificateShouldBeRefusedByAServerThatNeedsOne() {
        assertThatThrownBy(() -> handshake(certificates.contextWithoutClientCertificate(), "127.0.0.1"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void privateKeysShouldBeReadableByTheirOwnerOnly() throws IOException {
        for (var key : List.of(certificates.serverKey(), certificates.clientKey(), certificates.clientKeyDer(),
                certificates.serverKeyStore(), certificates.clientKeyStore())) {
            assertThat(Files.getPosixFilePermissions(key)).as("%s", key.getFileName())
                    .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        }
        assertThat(Files.readString(certificates.serverKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(certificates.caCertificate())).startsWith("-----BEGIN CERTIFICATE-----");
    }

    /** Connects to a one-shot server on 127.0.0.1 by {@code host}, writes "ping" and returns the server's answer. */
    private String handshake(SSLContext client, String host) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) serverContext().getServerSocketFactory().createServerSocket(0,
                1, java.net.InetAddress.getByName("127.0.0.1"))) {
            server.setNeedClientAuth(true);
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    accepted.setSoTimeout(10_000);
                    accepted.getInputStream().readNBytes(4);
                    accepted.getOutputStream().write("pong".getBytes());
                } catch (IOException e) {
                    // the client sees the failed handshake
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(host, server.getLocalPort())) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write("ping".getBytes());
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] answer = in.readNBytes(4);
                if (answer.length < 4) {
                    throw new IOException("the server closed the connection");
                }
                return new String(answer);
            } finally {
                served.get(20, TimeUnit.SECONDS);
            }
        }
    }

    private SSLContext serverContext() throws Exception {
        char[] password = certificates.password().toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.serverKeyStore())) {
            keys.load(in, password);
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.trustStore())) {
            trusted.load(in, password);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }
}
