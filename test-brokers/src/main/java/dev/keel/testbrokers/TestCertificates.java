package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.process.RunDirectory;
import dev.keel.testbrokers.internal.tls.CertificateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS material of this test JVM, made at run time on first use (with the JDK's {@code keytool}) and deleted when
 * the JVM exits; nothing of it is committed. A certificate authority of the run signed a server certificate for
 * {@code 127.0.0.1} and {@code localhost}, which the harness's TLS listeners present, and a client certificate, which
 * those that check client certificates ask for. Key and trust stores are PKCS12 with one password, made at run time
 * ({@link #password()}); the PEM files are for servers and clients that read PEM.
 *
 * <p>For the failure cases: {@link #untrustedTrustStore()} trusts only another authority, so no server of the harness
 * passes its check; {@link #contextWithoutClientCertificate()} trusts the servers but presents no certificate.
 */
public final class TestCertificates {

    private static TestCertificates instance;

    private final CertificateFiles files;

    private TestCertificates(CertificateFiles files) {
        this.files = files;
    }

    /** The certificates of this test JVM, made on the first call (a few seconds: keytool runs in a few JVMs). */
    public static synchronized TestCertificates get() {
        if (instance == null) {
            HarnessRuntime runtime = HarnessRuntime.get();
            Path dir = runtime.run().dir("tls/data");
            runtime.atShutdown(() -> RunDirectory.deleteTree(dir));
            instance = new TestCertificates(CertificateFiles.create(dir));
        }
        return instance;
    }

    /** The host name the server certificate names (it also names the address {@code 127.0.0.1}). */
    public String serverHostName() {
        return CertificateFiles.SERVER_NAME;
    }

    /** The password of every key and trust store here; never log it. */
    public String password() {
        return files.password();
    }

    /** The run's certificate authority, PEM. */
    public Path caCertificate() {
        return files.caCertificate();
    }

    /** The server's certificate (signed by the CA), PEM. */
    public Path serverCertificate() {
        return files.serverCertificate();
    }

    /** The server's private key, unencrypted PKCS#8 PEM, readable by its owner only. */
    public Path serverKey() {
        return files.serverKey();
    }

    /** The client's certificate (signed by the CA, {@code CN=keel-test-client}), PEM. */
    public Path clientCertificate() {
        return files.clientCertificate();
    }

    /** The client's private key, unencrypted PKCS#8 PEM, readable by its owner only. */
    public Path clientKey() {
        return files.clientKey();
    }

    /** The other CA, which signed nothing of the harness's, PEM: trusting only it, a client trusts no server here. */
    public Path untrustedCaCertificate() {
        return files.untrustedCaCertificate();
    }

    /** The client's private key, unencrypted PKCS#8 DER (pgjdbc's {@code sslkey}), readable by its owner only. */
    public Path clientKeyDer() {
        return files.clientKeyDer();
    }

    /** A PKCS12 trust store holding the CA. */
    public Path trustStore() {
        return files.trustStore();
    }

    /** A PKCS12 trust store holding only another CA, which signed nothing: it trusts no server of the harness. */
    public Path untrustedTrustStore() {
        return files.untrustedTrustStore();
    }

    /** The server's PKCS12 key store: its key, its certificate and the CA. */
    public Path serverKeyStore() {
        return files.serverKeyStore();
    }

    /** The client's PKCS12 key store: its key, its certificate and the CA. */
    public Path clientKeyStore() {
        return files.clientKeyStore();
    }

    /** A certificate a server of a test presents: the run's, or one of the failure and rotation cases. */
    public enum ServerCertificate {
        /** The run's server certificate, for 127.0.0.1 and localhost, signed by the run's CA. */
        CURRENT,
        /** Signed by the run's CA for 127.0.0.1 and localhost, but expired (valid one day, three days ago). */
        EXPIRED,
        /** Signed by the run's CA, valid, for {@code other.invalid} only: no client here connects to that name. */
        OTHER_HOST,
        /** For 127.0.0.1 and localhost, valid, signed by a second CA: the certificate after a rotation to a new CA. */
        ROTATED,
        /**
         * For 127.0.0.1 and localhost, valid, signed by the run's CA, of another key than {@link #CURRENT}: the
         * certificate after a renewal or a rotation within the same CA.
         */
        RENEWED
    }

    /** The PEM certificate of {@code which}; the extra ones are made on first use (a few seconds). */
    public Path serverCertificate(ServerCertificate which) {
        return switch (which) {
            case CURRENT -> serverCertificate();
            case EXPIRED -> extras().expiredServerCertificate();
            case OTHER_HOST -> extras().otherHostServerCertificate();
            case ROTATED -> extras().rotatedServerCertificate();
            case RENEWED -> extras().renewedServerCertificate();
        };
    }

    /** The PEM key (unencrypted PKCS#8) of {@code which}'s certificate. */
    public Path serverKey(ServerCertificate which) {
        return which == ServerCertificate.CURRENT ? serverKey() : extras().extraServerKey();
    }

    /**
     * A PKCS12 key store of {@code which}'s certificate and key (with {@link #password()}), for servers that read a key
     * store: {@link #serverKeyStore()} for {@link ServerCertificate#CURRENT}, else made from the PEM files on first use.
     */
    public synchronized Path serverKeyStore(ServerCertificate which) {
        if (which == ServerCertificate.CURRENT) {
            return serverKeyStore();
        }
        Path store = serverCertificate(which).resolveSibling(which.name().toLowerCase(Locale.ROOT) + ".p12");
        if (Files.exists(store)) {
            return store;
        }
        try {
            Certificate certificate;
            try (InputStream in = Files.newInputStream(serverCertificate(which))) {
                certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            String pem = Files.readString(serverKey(which)).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("server", key, password().toCharArray(),
                    new Certificate[] {certificate});
            Path written = Files.createTempFile(store.getParent(), "server", ".p12");
            try (OutputStream out = Files.newOutputStream(written)) {
                keyStore.store(out, password().toCharArray());
            }
            Files.move(written, store, StandardCopyOption.ATOMIC_MOVE);
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the key store of the " + which + " server certificate: " + e,
                    e);
        }
    }

    /** The second CA, PEM, which signed {@link ServerCertificate#ROTATED} (for clients that read PEM). */
    public Path rotatedCaCertificate() {
        return extras().secondCaCertificate();
    }

    /** A PKCS12 trust store holding only the second CA, which signed {@link ServerCertificate#ROTATED}. */
    public Path rotatedTrustStore() {
        return extras().secondCaTrustStore();
    }

    /** A PKCS12 key store of a client certificate signed by the second CA: the harness's servers do not trust it. */
    public Path strangerClientKeyStore() {
        return extras().strangerClientKeyStore();
    }

    /** Trusts the CA of {@code trustStore} and presents the certificate of {@code keyStore} (null: none). */
    public SSLContext context(Path trustStore, Path keyStore) {
        return context(trustStore, keyStore, keyStore != null);
    }

    private CertificateFiles extras() {
        files.makeExtras();
        return files;
    }

    /** Trusts the CA and presents the client certificate. */
    public SSLContext clientContext() {
        return context(trustStore(), true);
    }

    /** Trusts the CA and presents no certificate. */
    public SSLContext contextWithoutClientCertificate() {
        return context(trustStore(), false);
    }

    /** Trusts only the other CA (no server of the harness) and presents the client certificate. */
    public SSLContext untrustingContext() {
        return context(untrustedTrustStore(), true);
    }

    private SSLContext context(Path trusted, boolean withClientCertificate) {
        return context(trusted, clientKeyStore(), withClientCertificate);
    }

    private SSLContext context(Path trusted, Path keyStore, boolean withClientCertificate) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(trusted));
            KeyManager[] keys = null;
            if (withClientCertificate) {
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(load(keyStore), password().toCharArray());
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an SSLContext from " + trusted + ": " + e, e);
        }
    }

    private KeyStore load(Path path) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, password().toCharArray());
        }
        return store;
    }
}
