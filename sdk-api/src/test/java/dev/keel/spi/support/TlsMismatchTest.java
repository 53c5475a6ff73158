package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsMismatchTest {

    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofMillis(500);

    @Test
    void aHandshakeAnsweredWithBytesThatAreNotTlsShouldBeAPlaintextAnswer() {
        assertThat(TlsMismatch.plaintextAnswer(new IOException("wrapped",
                new SSLException("Unsupported or unrecognized SSL message"))))
                .hasValue("SSLException: Unsupported or unrecognized SSL message");
        assertThat(TlsMismatch.plaintextAnswer(new SSLException("Unrecognized SSL message, plaintext connection?")))
                .isPresent();
    }

    @Test
    void aHandshakeThatEndedOrFailedOverACertificateShouldNotBeAPlaintextAnswer() {
        assertThat(TlsMismatch.plaintextAnswer(new SSLHandshakeException("Remote host terminated the handshake")))
                .isEmpty();
        assertThat(TlsMismatch.plaintextAnswer(new SSLHandshakeException("PKIX path building failed"))).isEmpty();
        assertThat(TlsMismatch.plaintextAnswer(new SocketException("Connection reset"))).isEmpty();
        // the words alone, not from a TLS failure: a broker's message that quotes them is no proof
        assertThat(TlsMismatch.plaintextAnswer(new IOException("Unsupported or unrecognized SSL message"))).isEmpty();
    }

    @Test
    void aListenerAnsweringWithATlsAlertShouldSpeakTls() throws IOException {
        try (Listener tls = new Listener(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a})) {
            assertThat(TlsMismatch.answerToClientHello("127.0.0.1", tls.port(), CONNECT, WAIT))
                    .isEqualTo(TlsMismatch.Answer.TLS);
        }
    }

    @Test
    void aListenerAnsweringWithItsOwnGreetingShouldNotSpeakTls() throws IOException {
        try (Listener amqp = new Listener(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1})) {
            assertThat(TlsMismatch.answerToClientHello("127.0.0.1", amqp.port(), CONNECT, WAIT))
                    .isEqualTo(TlsMismatch.Answer.OTHER);
        }
    }

    @Test
    void aListenerThatAnswersNothingOrIsNotThereShouldProveNothing() throws IOException {
        try (Listener silent = new Listener(new byte[0])) {
            assertThat(TlsMismatch.answerToClientHello("127.0.0.1", silent.port(), CONNECT, WAIT))
                    .as("connected, nothing within the wait").isEqualTo(TlsMismatch.Answer.SILENT);
            assertThat(TlsMismatch.ask("127.0.0.1", silent.port(), new byte[] {1}, 5, CONNECT, WAIT).silent()).isTrue();
        }
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        assertThat(TlsMismatch.answerToClientHello("127.0.0.1", closed, CONNECT, WAIT))
                .as("nothing listens").isEqualTo(TlsMismatch.Answer.NONE);
        assertThat(TlsMismatch.ask("127.0.0.1", closed, new byte[] {1}, 5, CONNECT, WAIT).silent()).isFalse();
        try (ServerSocket dropping = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread drop = new Thread(() -> {
                try (Socket s = dropping.accept()) {
                    // taken and closed at once, answering nothing: a broker going away
                } catch (IOException e) {
                    // closed
                }
            });
            drop.setDaemon(true);
            drop.start();
            assertThat(TlsMismatch.answerToClientHello("127.0.0.1", dropping.getLocalPort(), CONNECT, WAIT))
                    .as("taken and closed").isEqualTo(TlsMismatch.Answer.NONE);
        }
    }

    @Test
    void aClientHelloShouldBeATlsHandshakeRecord() throws Exception {
        byte[] hello = TlsMismatch.clientHello("127.0.0.1", 1);
        assertThat(TlsMismatch.isTlsRecord(hello)).isTrue();
        assertThat(hello[0]).isEqualTo((byte) 0x16);
    }

    @Test
    void theMessagesShouldNameTheBrokerAndWhatToCheck() {
        assertThat(TlsMismatch.tlsAtPlaintextListener("RabbitMQ at h:5672",
                TlsMismatch.answeredInPlaintext("SSLException: x"), "amqps://"))
                .startsWith("RabbitMQ at h:5672 is a plaintext listener: it answered the client's TLS handshake in "
                        + "plaintext (SSLException: x), and the client is configured for TLS")
                .contains("(amqps://)").contains("TLS listener").endsWith("retrying cannot help");
        assertThat(TlsMismatch.plaintextAtTlsListener("Kafka at h:9093", "security.protocol"))
                .startsWith("Kafka at h:9093 is a TLS listener").contains("(security.protocol)")
                .contains("plaintext listener").endsWith("retrying cannot help");
    }

    /** A listener on the loopback that reads what comes and answers every connection with {@code answer}. */
    private static final class Listener implements AutoCloseable {
        private final ServerSocket server;

        Listener(byte[] answer) throws IOException {
            server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
            Thread thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        InputStream in = s.getInputStream();
                        in.read(new byte[512]);
                        if (answer.length > 0) {
                            OutputStream out = s.getOutputStream();
                            out.write(answer);
                            out.flush();
                        }
                        s.setSoTimeout(1000);
                        in.read();
                    } catch (IOException e) {
                        // next connection, or closed
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
