package dev.keel.spi.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Tells a TLS handshake that failed over a certificate (which waiting does not cure) from a connection that failed
 * (which it may), so every adapter and store reports the first the same way: not retriable, saying what to fix. Two
 * cases: the client did not accept the server's certificate (not signed by a CA of the client's trust store, expired,
 * or not naming the host the client connected to), and the server did not accept the client's (none given where the
 * server asks for one, or one signed by a CA the server does not trust: the server's alert names it).
 *
 * <p>With TLS 1.3 a server refuses the client's certificate after the client's side of the handshake is done: its
 * alert reaches a client only if the client reads it before the connection is reset, and a client that has already
 * sent its first bytes (a login, a protocol header) sees a plain "Connection reset". For that case
 * {@link #listenForRefusal} opens one more TLS connection that sends nothing and reads: the server's alert then
 * arrives intact, or nothing does (the server accepted the certificate) until a short timeout.
 */
public final class TlsFailures {

    /** The alerts a server sends when it refuses the client's certificate, as the JDK names them. */
    private static final String[] CLIENT_CERTIFICATE_ALERTS = {"bad_certificate", "certificate_required",
        "unknown_ca", "certificate_unknown", "unsupported_certificate", "certificate_revoked", "certificate_expired",
        "access_denied"};

    private TlsFailures() {
    }

    /**
     * What was wrong with a certificate, and what to change, when {@code error} (or a cause of it) is a TLS handshake
     * that failed over one; empty otherwise (a plain connection failure, or TLS where none is spoken).
     */
    public static Optional<String> certificateProblem(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!(t instanceof SSLException tls)) {
                continue;
            }
            CertificateExpiredException expired = find(tls, CertificateExpiredException.class);
            if (expired != null) {
                return Optional.of("the server's certificate has expired (" + expired.getMessage() + "): renew the "
                        + "server's certificate (and restart the server if it reads it only at start), or check the "
                        + "clocks of client and server");
            }
            CertificateNotYetValidException early = find(tls, CertificateNotYetValidException.class);
            if (early != null) {
                return Optional.of("the server's certificate is not valid yet (" + early.getMessage() + "): check the "
                        + "clocks of client and server, or give the server a certificate valid now");
            }
            CertificateException rejected = find(tls, CertificateException.class);
            if (rejected != null) {
                return Optional.of(serverRejected(rejected));
            }
            String message = tls.getMessage() == null ? "" : tls.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("pkix path") || message.contains("unable to find valid certification path")) {
                return Optional.of(serverRejected(tls));
            }
            for (String alert : CLIENT_CERTIFICATE_ALERTS) {
                if (message.contains("received fatal alert: " + alert)) {
                    return Optional.of("the server refused the client's certificate (" + tls.getMessage()
                            + "): give the client a key store whose certificate is signed by a CA the server trusts"
                            + " (the server asks for one), and check that it has not expired");
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code error} is a connection the server dropped once it was open: worth {@link #listenForRefusal}. */
    public static boolean droppedAfterConnecting(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if ((t instanceof SocketException && (message.contains("reset") || message.contains("broken pipe")))
                    || message.contains("unexpected end of stream")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Connects to {@code host:port} with {@code factory} (host name verification on), completes the handshake, sends
     * nothing and reads for at most {@code wait}: the certificate problem the server's alert names, if it sends one;
     * empty when it does not (it accepted the client's certificate, or could not be reached at all). For a protocol
     * whose client speaks first, so that an accepting server sends nothing.
     */
    public static Optional<String> listenForRefusal(SSLSocketFactory factory, String host, int port,
                                                    Duration connectTimeout, Duration wait) {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(host, port), Math.toIntExact(connectTimeout.toMillis()));
            try (SSLSocket socket = (SSLSocket) factory.createSocket(raw, host, port, true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(Math.toIntExact(wait.toMillis()));
                socket.startHandshake();
                socket.getInputStream().read();
            }
        } catch (SSLException e) {
            return certificateProblem(e);
        } catch (IOException | RuntimeException e) {
            // a timeout (accepted: the server waits for the client), or the connection failing: no certificate problem
        }
        return Optional.empty();
    }

    private static String serverRejected(Throwable cause) {
        String text = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (text.toLowerCase(Locale.ROOT).contains("subject alternative name")
                || text.toLowerCase(Locale.ROOT).contains("no name matching")) {
            return "the server's certificate does not name the host the client connected to (" + text
                    + "): connect by a name or address the certificate lists, or have the certificate reissued";
        }
        return "the client does not trust the server's certificate (" + text + "): add the CA that signed it to the"
                + " client's trust store, and check that the certificate has not expired";
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
