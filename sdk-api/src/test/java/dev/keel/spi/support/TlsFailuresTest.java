package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class TlsFailuresTest {

    @Test
    void anUntrustedServerCertificateShouldPointAtTheTrustStore() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed: "
                + "unable to find valid certification path to requested target");
        handshake.initCause(new CertificateException("unable to find valid certification path to requested target"));

        assertThat(TlsFailures.certificateProblem(new IOException("wrapped", handshake))).get().asString()
                .contains("does not trust the server's certificate").contains("trust store");
    }

    @Test
    void anExpiredServerCertificateShouldSayItExpiredAndToRenewIt() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path validation failed: "
                + "java.security.cert.CertPathValidatorException: validity check failed");
        CertificateException validation = new CertificateException("PKIX path validation failed");
        validation.initCause(new java.security.cert.CertificateExpiredException("NotAfter: Mon Nov 23 06:00:00 UTC 2026"));
        handshake.initCause(validation);

        assertThat(TlsFailures.certificateProblem(handshake)).hasValueSatisfying(problem -> assertThat(problem)
                .startsWith("the server's certificate has expired (NotAfter: Mon Nov 23 06:00:00 UTC 2026)")
                .contains("renew the server's certificate"));
    }

    @Test
    void aCertificateForAnotherHostShouldSaySo() {
        SSLHandshakeException handshake = new SSLHandshakeException("No subject alternative names matching IP address");
        handshake.initCause(new CertificateException("No subject alternative names matching IP address 10.0.0.1 found"));

        assertThat(TlsFailures.certificateProblem(handshake)).get().asString()
                .contains("does not name the host");
    }

    @Test
    void aServerAlertAboutTheClientCertificateShouldPointAtTheKeyStore() {
        assertThat(TlsFailures.certificateProblem(new SSLException("Received fatal alert: certificate_required")))
                .get().asString().contains("refused the client's certificate").contains("key store");
        assertThat(TlsFailures.certificateProblem(new SSLHandshakeException("Received fatal alert: bad_certificate")))
                .isPresent();
    }

    @Test
    void aConnectionFailureOrAnotherTlsFailureShouldNotBeACertificateProblem() {
        assertThat(TlsFailures.certificateProblem(new SocketException("Connection reset"))).isEmpty();
        assertThat(TlsFailures.certificateProblem(new SSLException("Unsupported or unrecognized SSL message")))
                .isEmpty();
        assertThat(TlsFailures.certificateProblem(new SSLHandshakeException("Remote host terminated the handshake")))
                .isEmpty();
    }
}
