package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.spi.support.TlsFailures;
import java.util.Optional;

/**
 * A Kafka {@code SslAuthenticationException} that is a certificate problem (the client does not trust the broker's
 * certificate, or the broker refused the client's), as an {@link AccessRefusedException} that says which side and
 * what to change, instead of the credentials-and-ACLs advice of a refused login.
 */
final class TlsRefusals {

    private TlsRefusals() {
    }

    /** The refusal of {@code what} when {@code cause} is a TLS certificate problem; empty otherwise. */
    static Optional<AccessRefusedException> of(String what, Throwable cause) {
        return TlsFailures.certificateProblem(cause).map(problem -> new AccessRefusedException("Kafka refused " + what
                + ": the TLS handshake failed: " + problem + " (ssl.truststore.*, ssl.keystore.*); not retried",
                cause));
    }
}
