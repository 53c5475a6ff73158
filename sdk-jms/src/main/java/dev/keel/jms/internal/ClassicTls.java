package dev.keel.jms.internal;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSslConnectionFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS material of one ActiveMQ Classic adapter: its key managers (the client certificate, or none) and trust
 * managers (the CAs it trusts, or the JVM's default), given to every connection factory the adapter makes
 * ({@link ActiveMQSslConnectionFactory#setKeyAndTrustManagers}) and to the probe that names a refused certificate
 * ({@link #socketFactory()}), instead of the JVM-wide {@code javax.net.ssl.*} stores. {@link #none()} when the adapter
 * was given no material: the plain factory, which uses the JVM's.
 */
public final class ClassicTls {
    private static final ClassicTls NONE = new ClassicTls(null, null);

    private final KeyManager[] keyManagers;
    private final TrustManager[] trustManagers;
    private final SSLSocketFactory socketFactory;

    private ClassicTls(KeyManager[] keyManagers, TrustManager[] trustManagers) {
        this.keyManagers = keyManagers;
        this.trustManagers = trustManagers;
        if (keyManagers == null && trustManagers == null) {
            this.socketFactory = null;
            return;
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            this.socketFactory = context.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the TLS material given could not make a TLS context: " + e, e);
        }
    }

    /** No material of the adapter's own: the JVM's stores. */
    public static ClassicTls none() {
        return NONE;
    }

    /**
     * Managers the caller made. A missing half is the JVM's default, made here: ActiveMQ Classic's client would turn a
     * missing trust manager into an empty list, which trusts no server at all.
     */
    public static ClassicTls of(KeyManager[] keyManagers, TrustManager[] trustManagers) {
        if (keyManagers == null && trustManagers == null) {
            return NONE;
        }
        return new ClassicTls(keyManagers == null ? new KeyManager[0] : keyManagers.clone(),
                trustManagers == null ? defaultTrustManagers() : trustManagers.clone());
    }

    /** Read from store files; either may be null (then no client certificate, or the JVM's default trust). */
    public static ClassicTls fromStores(Path trustStore, String trustStoreType, String trustStorePassword,
                                        Path keyStore, String keyStoreType, String keyStorePassword) {
        TrustManager[] trust = null;
        if (trustStore != null) {
            try {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(
                        TrustManagerFactory.getDefaultAlgorithm());
                factory.init(read("trustStore", trustStore, trustStoreType, trustStorePassword));
                trust = factory.getTrustManagers();
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("trustStore '" + trustStore + "' gives no trust managers: " + e, e);
            }
        }
        KeyManager[] keys = null;
        if (keyStore != null) {
            try {
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(read("keyStore", keyStore, keyStoreType, keyStorePassword),
                        keyStorePassword.toCharArray());
                keys = factory.getKeyManagers();
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("keyStore '" + keyStore + "' gives no key managers (is its key's "
                        + "password the store's?): " + e.getClass().getSimpleName(), e);
            }
        }
        return of(keys, trust);
    }

    /**
     * The store at {@code path}, read as {@code type} with {@code password}, or an {@link IllegalArgumentException}
     * that says what to fix (never showing the password). {@code what} names the setting in the message.
     */
    public static KeyStore read(String what, Path path, String type, String password) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(what + " '" + path + "' does not exist: give the path of the " + what
                    + " file (PKCS12 or JKS) as the application sees it");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(what + " '" + path + "' is not a file: give the path of the " + what
                    + " file (PKCS12 or JKS), not of its directory");
        }
        KeyStore store;
        try {
            store = KeyStore.getInstance(type);
        } catch (KeyStoreException e) {
            throw new IllegalArgumentException(what + " type '" + type + "' is not a key store type this JVM knows: "
                    + "give PKCS12 or JKS", e);
        }
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IllegalArgumentException(what + " '" + path + "' could not be read as "
                    + type.toUpperCase(Locale.ROOT) + " with the password given (" + reason + "): check the "
                    + "password and the type", e);
        }
        return store;
    }

    private static TrustManager[] defaultTrustManagers() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM's default trust managers could not be made: " + e, e);
        }
    }

    /** Whether the adapter has material of its own. */
    public boolean given() {
        return socketFactory != null;
    }

    /**
     * A connection factory for {@code url}: an {@link ActiveMQSslConnectionFactory} with this material when there is
     * some, else the plain one.
     */
    public ActiveMQConnectionFactory factory(String url) {
        if (!given()) {
            return new ActiveMQConnectionFactory(url);
        }
        ActiveMQSslConnectionFactory factory = new ActiveMQSslConnectionFactory(url);
        factory.setKeyAndTrustManagers(keyManagers, trustManagers, null);
        return factory;
    }

    /** TLS connections as the adapter's connections make them: with this material, or the JVM's default. */
    public SSLSocketFactory socketFactory() {
        return given() ? socketFactory : (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
}
