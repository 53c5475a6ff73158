package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.TestCertificates;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The harness's own TLS context for readiness checks and administration of a server that may present a certificate a
 * test means to be refused (expired, for another host, of another CA): it presents the run's client certificate and
 * accepts any server certificate and host name. Never for a client under test.
 */
final class ProbeContext {

    private ProbeContext() {
    }

    static SSLContext trustingAnyServer(TestCertificates certificates) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (var in = java.nio.file.Files.newInputStream(certificates.clientKeyStore())) {
                keys.load(in, certificates.password().toCharArray());
            }
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, certificates.password().toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), new TrustManager[] {new AnyServer()}, null);
            return context;
        } catch (java.io.IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the harness's probe TLS context: " + e, e);
        }
    }

    /** Accepts every server (an extended trust manager, so the JDK adds no host name check of its own). */
    private static final class AnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
