package dev.keel.testbrokers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * For tests of a certificate changed on a broker's own TLS listener ({@code restartPresenting}): the certificate a
 * listener presents now, a PEM certificate, and a trust store of both CAs of the run (the client side of a rotation
 * to a new CA that the client already trusts).
 */
public final class ListenerCertificates {

    private static final int HANDSHAKE_TIMEOUT_MILLIS = 5000;

    private ListenerCertificates() {
    }

    /**
     * The certificate the TLS listener at {@code hostAndPort} presents now, read by a handshake that trusts any server
     * and presents the run's client certificate (so a listener that asks for one completes it).
     */
    public static X509Certificate presentedAt(String hostAndPort) throws IOException {
        int colon = hostAndPort.lastIndexOf(':');
        return presentedAt(hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
    }

    /** As {@link #presentedAt(String)}. */
    public static X509Certificate presentedAt(String host, int port) throws IOException {
        TestCertificates certificates = TestCertificates.get();
        X509Certificate[] seen = new X509Certificate[1];
        X509TrustManager any = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context;
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(certificates.clientKeyStore(), certificates.password()),
                    certificates.password().toCharArray());
            context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), new TrustManager[] {any}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the probe's SSLContext: " + e, e);
        }
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
            socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            socket.startHandshake();
        }
        if (seen[0] == null) {
            throw new IOException("no certificate presented at " + host + ":" + port);
        }
        return seen[0];
    }

    /** The certificate of a PEM file. */
    public static X509Certificate read(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + pem + ": " + e, e);
        }
    }

    /**
     * A PKCS12 trust store, written in {@code dir} with the run's password, holding the run's CA and the second CA,
     * which signed {@link TestCertificates.ServerCertificate#ROTATED}.
     */
    public static Path trustingBothCas(Path dir) {
        TestCertificates certificates = TestCertificates.get();
        try {
            KeyStore both = KeyStore.getInstance("PKCS12");
            both.load(null, null);
            both.setCertificateEntry("ca", read(certificates.caCertificate()));
            KeyStore second = load(certificates.rotatedTrustStore(), certificates.password());
            for (String alias : Collections.list(second.aliases())) {
                both.setCertificateEntry("second-" + alias, second.getCertificate(alias));
            }
            Path path = dir.resolve("both-cas.p12");
            try (OutputStream out = Files.newOutputStream(path)) {
                both.store(out, certificates.password().toCharArray());
            }
            return path;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot write a trust store of both CAs: " + e, e);
        }
    }

    private static KeyStore load(Path store, String password) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, password.toCharArray());
        }
        return keyStore;
    }
}
