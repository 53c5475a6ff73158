package dev.keel.testbrokers.internal.local;

import java.nio.file.Path;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.remoting.netty.TlsSystemConfig;

/**
 * Starts the harness's own RocketMQ clients over TLS. rocketmq-client builds a client's TLS context when the client
 * starts, from the JVM-wide static fields of {@link TlsSystemConfig}: they are set to the run's certificates, under the
 * lock of {@code TlsSystemConfig.class} (which Keel's adapter takes too), for the start only, and put back after.
 */
public final class RocketTlsClients {

    /**
     * The PEM files a client uses: the CA it trusts, its certificate and its unencrypted PKCS#8 key; with
     * {@code trustAnyServer} it checks no server certificate at all (the harness's own clients while its servers
     * present a certificate of a failure case, expired or of another CA).
     */
    public record Files(Path caCertificate, Path clientCertificate, Path clientKey, boolean trustAnyServer) {

        /** Trusting the servers whose certificate {@code caCertificate} signed. */
        public Files(Path caCertificate, Path clientCertificate, Path clientKey) {
            this(caCertificate, clientCertificate, clientKey, false);
        }

        /** The same files, trusting any server ({@code trust}) or only those of the CA. */
        public Files trustingAnyServer(boolean trust) {
            return new Files(caCertificate, clientCertificate, clientKey, trust);
        }
    }

    /** Starts a client. */
    public interface Start<E extends Exception> {
        void start() throws E;
    }

    private RocketTlsClients() {
    }

    /** Starts {@code client} with {@code start}, over TLS with {@code files}, or as is when {@code files} is null. */
    public static <E extends Exception> void start(ClientConfig client, Files files, Start<E> start) throws E {
        if (files == null) {
            start.start();
            return;
        }
        client.setUseTLS(true);
        synchronized (TlsSystemConfig.class) {
            boolean testMode = TlsSystemConfig.tlsTestModeEnable;
            boolean authServer = TlsSystemConfig.tlsClientAuthServer;
            String trust = TlsSystemConfig.tlsClientTrustCertPath;
            String cert = TlsSystemConfig.tlsClientCertPath;
            String key = TlsSystemConfig.tlsClientKeyPath;
            String password = TlsSystemConfig.tlsClientKeyPassword;
            String file = TlsSystemConfig.tlsConfigFile;
            try {
                TlsSystemConfig.tlsTestModeEnable = false;
                TlsSystemConfig.tlsClientAuthServer = !files.trustAnyServer();
                TlsSystemConfig.tlsClientTrustCertPath = files.caCertificate().toString();
                TlsSystemConfig.tlsClientCertPath = files.clientCertificate().toString();
                TlsSystemConfig.tlsClientKeyPath = files.clientKey().toString();
                TlsSystemConfig.tlsClientKeyPassword = null;
                TlsSystemConfig.tlsConfigFile = "";
                start.start();
            } finally {
                TlsSystemConfig.tlsTestModeEnable = testMode;
                TlsSystemConfig.tlsClientAuthServer = authServer;
                TlsSystemConfig.tlsClientTrustCertPath = trust;
                TlsSystemConfig.tlsClientCertPath = cert;
                TlsSystemConfig.tlsClientKeyPath = key;
                TlsSystemConfig.tlsClientKeyPassword = password;
                TlsSystemConfig.tlsConfigFile = file;
            }
        }
    }
}
