package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The {@code --truststore} and {@code --keystore} as the PEM files a client that reads only files takes
 * (rocketmq-client): the trusted certificates, and the key store's certificate chain and its key as PKCS#8 encrypted
 * with the key store's password (a key store without one: with a random password of this run, kept in memory). Written once into a directory of its own that only the owner may read, both deleted
 * when the JVM exits; a JVM killed outright leaves them, the key encrypted.
 *
 * @param trustedCertificates the CA certificates to trust: the trust store's, or the JVM's trust without one
 * @param clientCertificate   the key store's certificate chain, or {@code null} without {@code --keystore}
 * @param clientKey           its private key, encrypted PKCS#8, or {@code null} without {@code --keystore}
 * @param clientKeyPassword   the key file's password (the key store's, or this run's random one), or {@code null}
 *                            without {@code --keystore}; never print it
 */
record PemFiles(Path trustedCertificates, Path clientCertificate, Path clientKey, String clientKeyPassword) {

    /** The PBES2 scheme the key is encrypted with: one the JDK and Netty both read. */
    private static final String KEY_ENCRYPTION = "PBEWithHmacSHA256AndAES_256";
    private static final int KEY_ENCRYPTION_ITERATIONS = 100_000;

    @Override
    public String toString() {
        return "PemFiles[" + trustedCertificates + ", " + clientCertificate + ", " + clientKey + "]";
    }

    /** Writes {@code trustStore} (null: the JVM's trust) and {@code keyStore} (null: none) as PEM files. */
    static PemFiles write(KeyStore trustStore, Path keyStorePath, KeyStore keyStore, String keyStorePassword) {
        List<X509Certificate> trusted = trustStore == null ? jvmTrust() : certificates("--truststore", trustStore);
        PrivateKey key = null;
        List<X509Certificate> chain = null;
        if (keyStore != null) {
            String alias = keyAlias(keyStorePath, keyStore);
            key = key(keyStorePath, keyStore, alias, keyStorePassword);
            chain = chain(keyStorePath, keyStore, alias);
        }
        try {
            Path dir = Files.createTempDirectory("keel-tls-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            dir.toFile().deleteOnExit(); // registered first, deleted last
            Path trust = privateFile(dir, "trusted-certificates.pem", certificatesPem(trusted));
            if (key == null) {
                return new PemFiles(trust, null, null, null);
            }
            Path certificate = privateFile(dir, "client-certificate.pem", certificatesPem(chain));
            // a key store without a password still gets an encrypted key file, under a password of this run's only
            String password = keyStorePassword != null && !keyStorePassword.isEmpty() ? keyStorePassword
                    : runPassword();
            Path keyFile = privateFile(dir, "client-key.pem", encryptedKeyPem(key, password));
            return new PemFiles(trust, certificate, keyFile, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new EnvironmentException("cannot write the --truststore/--keystore as PEM files for rocketmq-client "
                    + "into a temporary directory (" + e.getClass().getSimpleName() + "): check java.io.tmpdir", e);
        }
    }

    private static List<X509Certificate> chain(Path path, KeyStore store, String alias) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : store.getCertificateChain(alias)) {
                if (!(c instanceof X509Certificate x509)) {
                    throw new EnvironmentException("--keystore " + path + ": the certificate of " + alias
                            + " is not X.509");
                }
                chain.add(x509);
            }
        } catch (GeneralSecurityException e) {
            throw new EnvironmentException("--keystore " + path + " cannot be read (" + e.getMessage() + ")", e);
        }
        return chain;
    }

    private static List<X509Certificate> jvmTrust() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            List<X509Certificate> certificates = new ArrayList<>();
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    Collections.addAll(certificates, x509.getAcceptedIssuers());
                }
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new EnvironmentException("cannot read the JVM's trust store (" + e.getMessage() + "): give "
                    + "--truststore", e);
        }
    }

    private static List<X509Certificate> certificates(String flag, KeyStore store) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.getCertificate(alias) instanceof X509Certificate c) {
                    certificates.add(c);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new EnvironmentException(flag + " cannot be read (" + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw new EnvironmentException(flag + " holds no X.509 certificate to trust");
        }
        return certificates;
    }

    private static String keyAlias(Path path, KeyStore store) {
        List<String> keys = new ArrayList<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificateChain(alias) != null) {
                    keys.add(alias);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new EnvironmentException("--keystore " + path + " cannot be read (" + e.getMessage() + ")", e);
        }
        if (keys.isEmpty()) {
            throw new EnvironmentException("--keystore " + path + " holds no private key with its certificate: give "
                    + "a key store with the client's key and certificate (a trust store goes to --truststore)");
        }
        if (keys.size() > 1) {
            throw new EnvironmentException("--keystore " + path + " holds " + keys.size() + " keys (aliases "
                    + String.join(", ", keys) + "): rocketmq-client presents one certificate; give a key store "
                    + "holding only the client's");
        }
        return keys.get(0);
    }

    private static PrivateKey key(Path path, KeyStore store, String alias, String password) {
        try {
            Key key = store.getKey(alias, password == null ? new char[0] : password.toCharArray());
            if (key instanceof PrivateKey privateKey) {
                return privateKey;
            }
            throw new EnvironmentException("--keystore " + path + ": the entry " + alias + " holds no private key");
        } catch (UnrecoverableKeyException e) {
            throw new EnvironmentException("--keystore " + path + ": the key " + alias + " cannot be read with the "
                    + "key store's password (--keystore-password-env): its key must have the key store's password", e);
        } catch (GeneralSecurityException e) {
            throw new EnvironmentException("--keystore " + path + ": the key " + alias + " cannot be read ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** A password for the key file of a key store that has none: random, kept in this JVM's memory only. */
    private static String runPassword() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String encryptedKeyPem(PrivateKey key, String password) throws GeneralSecurityException,
            IOException {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        random.nextBytes(salt);
        random.nextBytes(iv);
        SecretKey secret = SecretKeyFactory.getInstance(KEY_ENCRYPTION)
                .generateSecret(new PBEKeySpec(password.toCharArray()));
        Cipher cipher = Cipher.getInstance(KEY_ENCRYPTION);
        cipher.init(Cipher.ENCRYPT_MODE, secret, new PBEParameterSpec(salt, KEY_ENCRYPTION_ITERATIONS,
                new IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(key.getEncoded());
        // as PBES2 parameters: the JDK names no object identifier for the cipher's own parameters' name
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("PBES2");
        parameters.init(cipher.getParameters().getEncoded());
        return pem("ENCRYPTED PRIVATE KEY", new EncryptedPrivateKeyInfo(parameters, encrypted).getEncoded());
    }

    private static String certificatesPem(List<X509Certificate> certificates) throws GeneralSecurityException {
        StringBuilder s = new StringBuilder();
        for (X509Certificate c : certificates) {
            s.append(pem("CERTIFICATE", c.getEncoded()));
        }
        return s.toString();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Path privateFile(Path dir, String name, String content) throws IOException {
        Path file = Files.createFile(dir.resolve(name),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        file.toFile().deleteOnExit();
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }
}
