package dev.keel.spi.support;

import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Tells a TLS handshake that failed over a certificate (which waiting does not cure) from a connection that failed
 * (which it may), so every adapter and store reports the first the same way: not retriable, saying what to fix. Two
 * cases: the client did not accept the server's certificate (not signed by a CA of the client's trust store, expired,
 * or not naming the host the client connected to), and the server did not accept the client's (none given where the
 * server asks for one, or one signed by a CA the server does not trust: the server's alert names it).
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
