package dev.keel.rabbit;

import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * An {@link SSLContext} of the run's client certificate whose trust manager (the JDK's, for the CAs of the given trust
 * stores) records each check of a server's certificate: which certificate, and whether the connection asked for host
 * name verification. It shows that a reconnection handshakes again with the adapter's own context and verification.
 */
final class RecordingTlsContext {

    /** One check of a server's certificate chain. */
    record Check(X509Certificate presented, String endpointIdentification, boolean passed) {
    }

    private final SSLContext context;
    private final List<Check> checks = new CopyOnWriteArrayList<>();

    private RecordingTlsContext(SSLContext context) {
        this.context = context;
    }

    /** Trusts the CAs of every one of {@code trustStores} and presents the run's client certificate. */
    static RecordingTlsContext trusting(Path... trustStores) {
        TestCertificates certificates = TestCertificates.get();
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int n = 0;
            for (Path store : trustStores) {
                KeyStore one = load(store, certificates.password());
                for (String alias : java.util.Collections.list(one.aliases())) {
                    Certificate ca = one.getCertificate(alias);
                    trusted.setCertificateEntry("ca-" + n++, ca);
                }
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            X509ExtendedTrustManager jdk = (X509ExtendedTrustManager) trust.getTrustManagers()[0];
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(certificates.clientKeyStore(), certificates.password()), certificates.password().toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            RecordingTlsContext recording = new RecordingTlsContext(context);
            context.init(keys.getKeyManagers(), new TrustManager[] {recording.recorder(jdk)}, null);
            return recording;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the recording SSLContext: " + e, e);
        }
    }

    SSLContext context() {
        return context;
    }

    /** Every check so far, oldest first. */
    List<Check> checks() {
        return List.copyOf(checks);
    }

    private static KeyStore load(Path path, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    private X509ExtendedTrustManager recorder(X509ExtendedTrustManager jdk) {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                String identification = socket instanceof SSLSocket ssl
                        ? ssl.getSSLParameters().getEndpointIdentificationAlgorithm() : null;
                record(chain, identification, () -> jdk.checkServerTrusted(chain, authType, socket));
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                record(chain, engine.getSSLParameters().getEndpointIdentificationAlgorithm(),
                        () -> jdk.checkServerTrusted(chain, authType, engine));
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                record(chain, null, () -> jdk.checkServerTrusted(chain, authType));
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                jdk.checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                jdk.checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                jdk.checkClientTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return jdk.getAcceptedIssuers();
            }
        };
    }

    private interface Check0 {
        void run() throws CertificateException;
    }

    private void record(X509Certificate[] chain, String identification, Check0 check) throws CertificateException {
        try {
            check.run();
            checks.add(new Check(chain[0], identification, true));
        } catch (CertificateException e) {
            checks.add(new Check(chain[0], identification, false));
            throw e;
        }
    }
}
