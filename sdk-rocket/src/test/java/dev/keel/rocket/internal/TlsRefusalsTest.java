package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Optional;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingSendRequestException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * After a request to a broker failed for want of a connection, Keel's own TLS connection to it tells a certificate
 * refused (not retriable) from an outage (retriable, left as it was). No RocketMQ: TLS servers of the test stand for
 * the broker ({@code RocketTlsFaultsTest} runs the same on the harness's TLS broker).
 */
class TlsRefusalsTest {

    private static final TestCertificates TLS = TestCertificates.get();
    private static final RocketConfig OVER_TLS = RocketConfig.custom().tls(TLS.caCertificate())
            .clientCertificate(TLS.clientCertificate(), TLS.clientKey(), null).build();

    @Test
    void aRequestUnsentOrUnconnectedShouldBeCheckedAndATimeoutNot() {
        assertThat(TlsRefusals.notConnected(new RemotingSendRequestException("127.0.0.1:1"))).isTrue();
        assertThat(TlsRefusals.notConnected(new IllegalStateException(new RemotingConnectException("127.0.0.1:1"))))
                .isTrue();
        assertThat(TlsRefusals.notConnected(new RemotingTimeoutException("127.0.0.1:1", 3000))).isFalse();
    }

    @Test
    void aBrokerPresentingAnExpiredCertificateShouldBeARefusalNamingIt() throws Exception {
        try (SSLServerSocket broker = tlsServer(ServerCertificate.EXPIRED)) {
            Thread accepting = acceptOnce(broker);
            Optional<AccessRefusedException> refused = new TlsRefusals(OVER_TLS).atBroker(address(broker),
                    "publishing to topic orders");

            assertThat(refused).hasValueSatisfying(e -> {
                assertThat(e.isRetriable()).isFalse();
                assertThat(e).hasMessageContaining("cannot connect to the RocketMQ broker " + address(broker)
                        + " over TLS when publishing to topic orders: the server's certificate has expired")
                        .hasMessageContaining("renew the server's certificate").hasMessageContaining("not retried");
            });
            accepting.join(10_000);
        }
    }

    @Test
    void aBrokerPresentingItsValidCertificateShouldBeNoRefusal() throws Exception {
        try (SSLServerSocket broker = tlsServer(ServerCertificate.CURRENT)) {
            Thread accepting = acceptOnce(broker);
            assertThat(new TlsRefusals(OVER_TLS).atBroker(address(broker), "publishing to topic orders")).isEmpty();
            accepting.join(10_000);
        }
    }

    /** As a fault proxy in front of a broker that is down, or that cut the network: a handshake cut short. */
    @Test
    void aConnectionClosedAtOnceOrRefusedShouldBeNoRefusal() throws Exception {
        try (ServerSocket closing = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread accepting = new Thread(() -> {
                try (Socket socket = closing.accept()) {
                    socket.setSoLinger(true, 0);
                } catch (IOException ignored) {
                    // closed
                }
            });
            accepting.start();
            assertThat(new TlsRefusals(OVER_TLS).atBroker("127.0.0.1:" + closing.getLocalPort(), "consuming"))
                    .isEmpty();
            accepting.join(10_000);
        }
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertThat(new TlsRefusals(OVER_TLS).atBroker("127.0.0.1:" + closedPort, "consuming")).isEmpty();
    }

    @Test
    void withoutTlsNothingShouldBeChecked() {
        assertThat(new TlsRefusals(RocketConfig.custom().build()).atBroker("127.0.0.1:1", "consuming")).isEmpty();
    }

    private static SSLServerSocket tlsServer(ServerCertificate presenting) throws IOException {
        SSLServerSocket server = (SSLServerSocket) TLS.context(TLS.trustStore(), TLS.serverKeyStore(presenting))
                .getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        return server;
    }

    /** Accepts one connection and reads until it ends (the client's request), answering nothing. */
    private static Thread acceptOnce(SSLServerSocket server) {
        Thread accepting = new Thread(() -> {
            try (SSLSocket socket = (SSLSocket) server.accept(); InputStream in = socket.getInputStream()) {
                socket.setSoTimeout(10_000);
                in.read();
            } catch (IOException ended) {
                // the handshake failed, or the client closed
            }
        });
        accepting.start();
        return accepting;
    }

    private static String address(ServerSocket server) {
        return "127.0.0.1:" + server.getLocalPort();
    }
}
