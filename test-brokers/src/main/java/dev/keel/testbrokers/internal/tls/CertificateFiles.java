package dev.keel.testbrokers.internal.tls;

import dev.keel.testbrokers.internal.AllAtOnce;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Makes, in one directory, the TLS material of a test run: a certificate authority of its own, a server certificate
 * it signed for {@code 127.0.0.1} and {@code localhost}, a client certificate it signed, and a second authority that
 * signed nothing (a trust store holding only that one trusts none of the brokers). Keys are EC P-256, valid two days.
 * Every key and trust store is PKCS12 with one password made here; the PEM files are for servers that read PEM
 * (Redis, RabbitMQ, PostgreSQL), their keys unencrypted PKCS#8, readable by the owner only. {@code keytool} runs three
 * rounds of at most four JVMs at once.
 */
public final class CertificateFiles {
    public static final String SERVER_NAME = "localhost";
    public static final String SERVER_IP = "127.0.0.1";
    private static final String KEY = "-keyalg EC -groupname secp256r1 -validity 2";

    private final Path dir;
    private final String password;

    private CertificateFiles(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** Makes every file in {@code dir} (which must exist and be empty). */
    public static CertificateFiles create(Path dir) {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        CertificateFiles files = new CertificateFiles(dir, HexFormat.of().formatHex(random));
        files.make();
        return files;
    }

    public Path dir() {
        return dir;
    }

    /** The one password of every PKCS12 store here; never log it. */
    public String password() {
        return password;
    }

    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    public Path serverCertificate() {
        return dir.resolve("server.crt");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    public Path clientCertificate() {
        return dir.resolve("client.crt");
    }

    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /** The other CA, which signed nothing, PEM. */
    public Path untrustedCaCertificate() {
        return dir.resolve("other-ca.crt");
    }

    /** The client's key as unencrypted PKCS#8 DER (what pgjdbc's {@code sslkey} reads). */
    public Path clientKeyDer() {
        return dir.resolve("client.pk8");
    }

    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    public Path untrustedTrustStore() {
        return dir.resolve("other-ca-truststore.p12");
    }

    public Path serverKeyStore() {
        return dir.resolve("server.p12");
    }

    public Path clientKeyStore() {
        return dir.resolve("client.p12");
    }

    /** A server certificate signed by the run's CA that expired yesterday (valid one day from three days ago), PEM. */
    public Path expiredServerCertificate() {
        return dir.resolve("extra/expired.crt");
    }

    /** A server certificate signed by the run's CA for {@code other.invalid} only (not 127.0.0.1, not localhost), PEM. */
    public Path otherHostServerCertificate() {
        return dir.resolve("extra/other-host.crt");
    }

    /** A server certificate for 127.0.0.1 and localhost signed by the second CA (the rotation's), PEM. */
    public Path rotatedServerCertificate() {
        return dir.resolve("extra/rotated.crt");
    }

    /**
     * A second server certificate for 127.0.0.1 and localhost signed by the run's CA, valid, of another key than the
     * run's: a certificate renewed or rotated within the same CA, PEM.
     */
    public Path renewedServerCertificate() {
        return dir.resolve("extra/renewed.crt");
    }

    /** The key of the four extra server certificates, unencrypted PKCS#8 PEM, owner only. */
    public Path extraServerKey() {
        return dir.resolve("extra/server2.key");
    }

    /** The second CA, PEM: it signed the rotated server certificate and the stranger client certificate. */
    public Path secondCaCertificate() {
        return dir.resolve("extra/second-ca.crt");
    }

    /** A PKCS12 trust store holding only the second CA. */
    public Path secondCaTrustStore() {
        return dir.resolve("extra/second-ca-truststore.p12");
    }

    /** A PKCS12 key store of a client certificate signed by the second CA, which the harness's servers do not trust. */
    public Path strangerClientKeyStore() {
        return dir.resolve("extra/stranger-client.p12");
    }

    /**
     * Makes the extra certificates (in {@code extra/}, once): an expired server certificate and one for another host,
     * both signed by the run's CA; a second CA, a server certificate it signed (a rotation to a new CA) and a client
     * certificate it signed (a client the servers do not trust). Two rounds of keytool JVMs, a few seconds.
     */
    public synchronized void makeExtras() {
        Path extra = dir.resolve("extra");
        if (Files.exists(strangerClientKeyStore())) {
            return;
        }
        try {
            Files.createDirectories(extra);
            Files.copy(dir.resolve("ca.p12"), extra.resolve("ca.p12"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + extra + ": " + e, e);
        }
        Keytool keytool = new Keytool(password);
        String unique = Long.toHexString(new SecureRandom().nextLong());
        String sans = " -ext SAN=ip:" + SERVER_IP + ",dns:" + SERVER_NAME;
        all(() -> keytool.run(extra, args("-genkeypair -alias second-ca -keystore second-ca.p12 " + KEY
                        + " -ext bc:c -ext KU:c=keyCertSign,cRLSign", "-dname", "CN=Keel second test CA " + unique)),
                () -> keytool.run(extra, args("-genkeypair -alias server2 -keystore server2-key.p12 " + KEY,
                        "-dname", "CN=" + SERVER_NAME)),
                () -> keytool.run(extra, args("-genkeypair -alias client2 -keystore client2-key.p12 " + KEY,
                        "-dname", "CN=keel-stranger-client")));
        all(() -> keytool.run(extra, args("-certreq -alias server2 -keystore server2-key.p12 -file server2.csr")),
                () -> keytool.run(extra, args("-certreq -alias client2 -keystore client2-key.p12 -file client2.csr")));
        all(() -> keytool.run(extra, args("-gencert -alias ca -keystore ca.p12 -infile server2.csr -outfile expired.crt"
                        + " -rfc -startdate -3d -validity 1 -ext EKU=serverAuth" + sans)),
                () -> keytool.run(extra, args("-gencert -alias ca -keystore ca.p12 -infile server2.csr"
                        + " -outfile other-host.crt -rfc -validity 2 -ext EKU=serverAuth -ext SAN=dns:other.invalid")),
                () -> keytool.run(extra, args("-gencert -alias second-ca -keystore second-ca.p12 -infile server2.csr"
                        + " -outfile rotated.crt -rfc -validity 2 -ext EKU=serverAuth" + sans)),
                () -> keytool.run(extra, args("-gencert -alias ca -keystore ca.p12 -infile server2.csr"
                        + " -outfile renewed.crt -rfc -validity 2 -ext EKU=serverAuth" + sans)),
                () -> keytool.run(extra, args("-gencert -alias second-ca -keystore second-ca.p12 -infile client2.csr"
                        + " -outfile client2.crt -rfc -validity 2 -ext EKU=clientAuth")));
        try {
            Certificate second = load("extra/second-ca.p12").getCertificate("second-ca");
            writePem(secondCaCertificate(), "CERTIFICATE", second.getEncoded());
            trustStoreOf(second, secondCaTrustStore());
            Key serverKey = load("extra/server2-key.p12").getKey("server2", password.toCharArray());
            writePem(extraServerKey(), "PRIVATE KEY", serverKey.getEncoded());
            Key clientKey = load("extra/client2-key.p12").getKey("client2", password.toCharArray());
            Certificate clientCertificate;
            try (InputStream in = Files.newInputStream(extra.resolve("client2.crt"))) {
                clientCertificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", clientKey, password.toCharArray(), new Certificate[] {clientCertificate, second});
            save(store, strangerClientKeyStore());
            for (String scratch : List.of("ca.p12", "second-ca.p12", "server2-key.p12", "client2-key.p12",
                    "server2.csr", "client2.csr")) {
                Files.delete(extra.resolve(scratch));
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot assemble the extra test certificates in " + extra + ": " + e, e);
        }
    }

    private void make() {
        Keytool keytool = new Keytool(password);
        String unique = Long.toHexString(new SecureRandom().nextLong());
        all(() -> keytool.run(dir, args("-genkeypair -alias ca -keystore ca.p12 " + KEY
                        + " -ext bc:c -ext KU:c=keyCertSign,cRLSign", "-dname", "CN=Keel test CA " + unique)),
                () -> keytool.run(dir, args("-genkeypair -alias server -keystore server-key.p12 " + KEY,
                        "-dname", "CN=" + SERVER_NAME)),
                () -> keytool.run(dir, args("-genkeypair -alias client -keystore client-key.p12 " + KEY,
                        "-dname", "CN=keel-test-client")),
                () -> keytool.run(dir, args("-genkeypair -alias other-ca -keystore other-ca.p12 " + KEY + " -ext bc:c",
                        "-dname", "CN=Keel test CA that signed nothing " + unique)));
        all(() -> keytool.run(dir, args("-certreq -alias server -keystore server-key.p12 -file server.csr")),
                () -> keytool.run(dir, args("-certreq -alias client -keystore client-key.p12 -file client.csr")));
        all(() -> keytool.run(dir, args("-gencert -alias ca -keystore ca.p12 -infile server.csr -outfile server.crt"
                        + " -rfc -validity 2 -ext EKU=serverAuth -ext SAN=ip:" + SERVER_IP + ",dns:" + SERVER_NAME)),
                () -> keytool.run(dir, args("-gencert -alias ca -keystore ca.p12 -infile client.csr -outfile client.crt"
                        + " -rfc -validity 2 -ext EKU=clientAuth")));
        try {
            Certificate ca = load("ca.p12").getCertificate("ca");
            writePem(caCertificate(), "CERTIFICATE", ca.getEncoded());
            trustStoreOf(ca, trustStore());
            Certificate other = load("other-ca.p12").getCertificate("other-ca");
            writePem(untrustedCaCertificate(), "CERTIFICATE", other.getEncoded());
            trustStoreOf(other, untrustedTrustStore());
            keyStoreOf("server", ca, serverKeyStore(), serverKey());
            keyStoreOf("client", ca, clientKeyStore(), clientKey());
            PrivateKey clientKey = (PrivateKey) load("client-key.p12").getKey("client", password.toCharArray());
            Files.write(clientKeyDer(), clientKey.getEncoded());
            ownerOnly(clientKeyDer());
            // ca.p12 stays (owner-only): the extra certificates (makeExtras) are signed by it on request
            for (String scratch : List.of("other-ca.p12", "server-key.p12", "client-key.p12", "server.csr",
                    "client.csr")) {
                Files.delete(dir.resolve(scratch));
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot assemble the test certificates in " + dir + ": " + e, e);
        }
    }

    /** The signed certificate of {@code name} with the CA after it, and its key, as PKCS12 and as PEM. */
    private void keyStoreOf(String name, Certificate ca, Path keyStore, Path pemKey)
            throws IOException, GeneralSecurityException {
        Key key = load(name + "-key.p12").getKey(name, password.toCharArray());
        Certificate signed;
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".crt"))) {
            signed = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(name, key, password.toCharArray(), new Certificate[] {signed, ca});
        save(store, keyStore);
        writePem(pemKey, "PRIVATE KEY", ((PrivateKey) key).getEncoded());
    }

    private void trustStoreOf(Certificate ca, Path path) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        save(store, path);
    }

    private KeyStore load(String file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(file))) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    private void save(KeyStore store, Path path) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(path)) {
            store.store(out, password.toCharArray());
        }
        ownerOnly(path);
    }

    private static void writePem(Path path, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(path, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n",
                StandardCharsets.US_ASCII);
        if (type.contains("KEY")) {
            ownerOnly(path);
        }
    }

    private static void ownerOnly(Path path) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }

    /** The words of {@code line}, then {@code more} (values that hold blanks). */
    private static List<String> args(String line, String... more) {
        List<String> args = new ArrayList<>(List.of(line.split(" ")));
        args.addAll(List.of(more));
        return args;
    }

    private static void all(Runnable... steps) {
        AllAtOnce.run(steps);
    }
}
