package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.spi.support.TlsFailures;
import dev.keel.spi.support.TlsMismatch;
import java.util.Optional;

/**
 * A Kafka {@code SslAuthenticationException} that is a certificate problem (the client does not trust the broker's
 * certificate, or the broker refused the client's) or a handshake answered in plaintext (the client's TLS pointed at a
 * plaintext listener), as an {@link AccessRefusedException} that says which and what to change, naming the bootstrap
 * servers (kafka-clients' exception names no broker), instead of the credentials-and-ACLs advice of a refused login.
 */
final class TlsRefusals {

    private TlsRefusals() {
    }

    /**
     * The refusal of {@code what} when {@code cause} is a TLS certificate problem or a handshake answered in plaintext;
     * empty otherwise.
     *
     * @param servers the client's bootstrap servers, named in the message; null when not known
     */
    static Optional<AccessRefusedException> of(String what, String servers, Throwable cause) {
        String kafka = servers == null ? "Kafka" : "Kafka at " + servers;
        Optional<String> certificate = TlsFailures.certificateProblem(cause);
        if (certificate.isPresent()) {
            return Optional.of(new AccessRefusedException(kafka + " refused " + what + ": the TLS handshake failed: "
                    + certificate.get() + " (ssl.truststore.*, ssl.keystore.*); not retried", cause));
        }
        return TlsMismatch.plaintextAnswer(cause).map(plaintext -> new AccessRefusedException(what + " failed: "
                + TlsMismatch.tlsAtPlaintextListener(kafka + (servers == null ? "" : " (the bootstrap servers)"),
                TlsMismatch.answeredInPlaintext(plaintext), "security.protocol=SSL or SASL_SSL"), cause));
    }
}
