package dev.keel.rocket.internal;

import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A client certificate and its private key, read as rocketmq-client reads them when a client starts (Netty's
 * {@code SslContextBuilder.keyManager(certificate, key, password)}: PEM, the key PKCS#8, encrypted with the password
 * or not encrypted, RSA, DSA or EC) and checked to belong together. Anything rocketmq-client would fail on at first use
 * is an {@link IllegalArgumentException} naming the file, the setting and what to do; never the password.
 */
public final class ClientKeys {

    private static final String SETTING = "RocketConfig clientCertificate(certificate, key, keyPassword)";
    private static final String TRUST_SETTING = "RocketConfig tls(trustedCertificates)";
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** Netty reads a key as these, in this order. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "DSA", "EC");
    private static final Map<String, String> SIGNATURES = Map.of("RSA", "SHA256withRSA", "DSA", "SHA256withDSA",
            "EC", "SHA256withECDSA");

    private final PrivateKey key;
    private final List<X509Certificate> chain;

    private ClientKeys(PrivateKey key, List<X509Certificate> chain) {
        this.key = key;
        this.chain = List.copyOf(chain);
    }

    /** The private key. */
    public PrivateKey key() {
        return key;
    }

    /** The certificate of the key first, then the rest of its chain. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** Names the certificate only: a key's own {@code toString()} may show its secret. */
    @Override
    public String toString() {
        return "ClientKeys{" + chain.get(0).getSubjectX500Principal().getName() + "}";
    }

    /**
     * The key of {@code keyFile} (decrypted with {@code password} when not null) and the certificates of
     * {@code certificateFile}, the first of which must be the key's.
     *
     * @throws IllegalArgumentException when rocketmq-client could not use them, saying why and what to do
     */
    public static ClientKeys read(Path certificateFile, Path keyFile, String password) {
        List<X509Certificate> chain = certificates(certificateFile);
        PrivateKey key = privateKey(keyFile, password);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException(SETTING + ": the key " + keyFile + " is not the key of the certificate "
                    + certificateFile + " (" + chain.get(0).getSubjectX500Principal().getName() + "): a server "
                    + "would refuse every handshake. Give the key the certificate was issued for (or the certificate of "
                    + "this key)");
        }
        try {
            // what rocketmq-client calls when a client starts, on the Netty of the classpath
            SslContextBuilder.forClient().keyManager(certificateFile.toFile(), keyFile.toFile(), password);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(SETTING + ": rocketmq-client (Netty) cannot read the certificate "
                    + certificateFile + " or the key " + keyFile + ": " + messages(e), null);
        }
        return new ClientKeys(key, chain);
    }

    /**
     * The CA certificates of {@code file}, read as rocketmq-client reads its trusted certificates when a client starts
     * (Netty's {@code SslContextBuilder.trustManager(file)}): at least one PEM X.509 certificate.
     *
     * @throws IllegalArgumentException naming the file and the setting when rocketmq-client could not use it
     */
    public static List<X509Certificate> trusted(Path file) {
        List<X509Certificate> certificates = certificates(TRUST_SETTING, file, "trusted certificates",
                "give the PEM file of the CA certificate(s) that issued the servers' certificates");
        try {
            // what rocketmq-client calls when a client starts, on the Netty of the classpath
            SslContextBuilder.forClient().trustManager(file.toFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(TRUST_SETTING + ": rocketmq-client (Netty) cannot read the trusted "
                    + "certificates " + file + ": " + messages(e), null);
        }
        return List.copyOf(certificates);
    }

    private static List<X509Certificate> certificates(Path file) {
        return certificates(SETTING, file, "certificate", "give the client's certificate, then its chain, in PEM");
    }

    private static List<X509Certificate> certificates(String setting, Path file, String what, String advice) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(setting, file)) {
                if (block.label().equals("CERTIFICATE")) {
                    chain.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(block.der(setting, file, what))));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(setting + ": the " + what + " " + file + " holds a PEM certificate "
                    + "that cannot be read (" + e.getMessage() + ")", null);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(setting + ": the " + what + " " + file + " holds no PEM certificate "
                    + "(-----BEGIN CERTIFICATE-----): " + advice);
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file, String password) {
        Block block = blocks(file).stream().filter(b -> b.label().endsWith("PRIVATE KEY")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(SETTING + ": the key " + file + " holds no PEM "
                        + "private key (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)"));
        switch (block.label()) {
            case "PRIVATE KEY" -> {
                if (password != null) {
                    throw new IllegalArgumentException(SETTING + ": the key " + file + " is not encrypted "
                            + "(-----BEGIN PRIVATE KEY-----) but a keyPassword is given, and rocketmq-client would "
                            + "read it as encrypted and fail: give no keyPassword (null) for this key");
                }
                return pkcs8(file, new PKCS8EncodedKeySpec(block.der(file, "key")), false);
            }
            case "ENCRYPTED PRIVATE KEY" -> {
                if (password == null) {
                    throw new IllegalArgumentException(SETTING + ": the key " + file + " is encrypted "
                            + "(-----BEGIN ENCRYPTED PRIVATE KEY-----) and no keyPassword is given: give its password "
                            + "as keyPassword");
                }
                return pkcs8(file, decrypt(file, block.der(file, "key"), password), true);
            }
            default -> throw new IllegalArgumentException(SETTING + ": the key " + file + " is not PKCS#8 (it is "
                    + "-----BEGIN " + block.label() + "-----), and rocketmq-client reads PKCS#8 keys only: convert it, "
                    + "e.g. openssl pkcs8 -topk8 -in " + file + " -out client.pk8.pem (add -nocrypt for a key without "
                    + "password), and give that file");
        }
    }

    /** Decrypts as Netty does: the PBE algorithm of the key's parameters (PBES2's, or PBES1's own name). */
    private static PKCS8EncodedKeySpec decrypt(Path file, byte[] der, String password) {
        String algorithm = "?";
        char[] chars = password.toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars);
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            AlgorithmParameters parameters = info.getAlgParameters();
            algorithm = info.getAlgName();
            if (parameters != null && (algorithm.equals("PBES2") || algorithm.equals("1.2.840.113549.1.5.13"))) {
                algorithm = parameters.toString();
            }
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(spec), parameters);
            return info.getKeySpec(cipher);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(SETTING + ": the key " + file + " is encrypted with " + algorithm
                    + ", which this JVM cannot decrypt: encrypt it with AES instead, e.g. openssl pkcs8 -topk8 -v2 "
                    + "aes-256-cbc -in " + file + " -out client.pk8.pem", null);
        } catch (IOException e) {
            throw new IllegalArgumentException(SETTING + ": the key " + file + " is marked ENCRYPTED PRIVATE KEY but is "
                    + "not an encrypted PKCS#8 key (" + e.getMessage() + ")", null);
        } catch (GeneralSecurityException e) {
            throw wrongPassword(file);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    private static IllegalArgumentException wrongPassword(Path file) {
        return new IllegalArgumentException(SETTING + ": the key " + file + " cannot be decrypted with the keyPassword "
                + "given: the password is wrong (give the one the key was encrypted with)");
    }

    private static PrivateKey pkcs8(Path file, PKCS8EncodedKeySpec spec, boolean decrypted) {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | NoSuchAlgorithmException notThisOne) {
                // the next, as Netty does
            }
        }
        if (decrypted) {
            throw wrongPassword(file); // a wrong password may still decrypt to something
        }
        throw new IllegalArgumentException(SETTING + ": the key " + file + " is not an RSA, DSA or EC key in PKCS#8, "
                + "the kinds rocketmq-client (Netty) reads");
    }

    private static boolean matches(PrivateKey key, PublicKey certified) {
        String signature = SIGNATURES.get(key.getAlgorithm());
        if (signature == null || !key.getAlgorithm().equals(certified.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(certified);
            verifier.update(challenge);
            return verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            return false; // e.g. keys of different curves
        }
    }

    private static List<Block> blocks(Path file) {
        return blocks(SETTING, file);
    }

    private static List<Block> blocks(String setting, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + e.getMessage(), null);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = PEM.matcher(text);
        while (matcher.find()) {
            blocks.add(new Block(matcher.group(1), matcher.group(2)));
        }
        return blocks;
    }

    private static String messages(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    /** One PEM block: its label and its base64 body, headers (as of a traditional encrypted key) included. */
    private record Block(String label, String body) {
        byte[] der(Path file, String what) {
            return der(SETTING, file, what);
        }

        byte[] der(String setting, Path file, String what) {
            try {
                return Base64.getMimeDecoder().decode(body.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + ": the " + what + " " + file + " has a -----BEGIN "
                        + label + "----- block that is not valid base64", null);
            }
        }
    }
}
