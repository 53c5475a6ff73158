package dev.keel.dedup.redis.internal;

import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.TlsFailures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.HostAndPort;

/**
 * Finds out why a TLS connection to Redis was dropped right after it opened. With TLS 1.3 a server that refuses the
 * client's certificate (none given where {@code tls-auth-clients} asks for one, or one from a CA it does not trust)
 * does so after the client's side of the handshake is done: its alert reaches the client only if the client reads it
 * before the connection is reset, and a client that has already sent a command (as Jedis has, its {@code AUTH}) sees
 * a plain "Connection reset". This probe opens one TLS connection the same way, sends nothing and reads: the server's
 * alert then arrives intact, or nothing does (the server accepted the certificate) until a short timeout.
 */
final class TlsHandshakeProbe {
    private static final Duration MAX_WAIT = Duration.ofSeconds(1);

    private TlsHandshakeProbe() {
    }

    /** Whether {@code error} is a connection the server dropped once it was open: worth a probe when TLS is on. */
    static boolean droppedAfterConnecting(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if ((t instanceof SocketException && (message.contains("reset") || message.contains("broken pipe")))
                    || message.contains("unexpected end of stream")) {
                return true;
            }
        }
        return false;
    }

    /** The certificate problem the server's alert names, if it sends one to a client that only listens. */
    static Optional<String> certificateProblem(RedisStoreConfig config) {
        HostAndPort node = config.isCluster() ? HostAndPort.from(config.clusterNodes().get(0))
                : new HostAndPort(config.host(), config.port());
        SSLSocketFactory factory = config.sslSocketFactory() != null ? config.sslSocketFactory()
                : (SSLSocketFactory) SSLSocketFactory.getDefault();
        Duration wait = config.socketTimeout().compareTo(MAX_WAIT) < 0 ? config.socketTimeout() : MAX_WAIT;
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(node.getHost(), node.getPort()),
                    Math.toIntExact(config.connectTimeout().toMillis()));
            try (SSLSocket socket = (SSLSocket) factory.createSocket(raw, node.getHost(), node.getPort(), true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(Math.toIntExact(wait.toMillis()));
                socket.startHandshake();
                socket.getInputStream().read();
            }
        } catch (SSLException e) {
            return TlsFailures.certificateProblem(e);
        } catch (IOException | RuntimeException e) {
            // a timeout (accepted: Redis sends nothing unasked), or the connection failing: no certificate problem
        }
        return Optional.empty();
    }
}
