package dev.keel.rocket;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

/**
 * Other forms of a PKCS#8 key (a DER file), written at test time with the JDK alone: encrypted PKCS#8 as
 * {@code openssl pkcs8 -topk8} writes it by default (PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC), and SEC1
 * ({@code BEGIN EC PRIVATE KEY}, OpenSSL's traditional form of an EC key).
 */
public final class PemKeys {

    /** The DER of the object identifier of PBES2 (1.2.840.113549.1.5.13). */
    private static final byte[] PBES2 = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01,
        0x05, 0x0D};

    private PemKeys() {
    }

    /** {@code pkcs8Der} encrypted with {@code password}, as a PEM {@code ENCRYPTED PRIVATE KEY} file {@code to}. */
    public static Path encrypted(Path pkcs8Der, String password, Path to) throws Exception {
        String algorithm = "PBEWithHmacSHA256AndAES_256";
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        new SecureRandom().nextBytes(salt);
        new SecureRandom().nextBytes(iv);
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(algorithm)
                .generateSecret(new PBEKeySpec(password.toCharArray())), new PBEParameterSpec(salt, 10_000,
                        new IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(Files.readAllBytes(pkcs8Der));
        // EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { PBES2, its parameters }, OCTET STRING }
        byte[] info = der(0x30, der(0x30, PBES2, cipher.getParameters().getEncoded()), der(0x04, encrypted));
        return pem("ENCRYPTED PRIVATE KEY", info, to);
    }

    /** The EC key of {@code pkcs8Der} in SEC1, as a PEM {@code EC PRIVATE KEY} file {@code to}. */
    public static Path sec1(Path pkcs8Der, Path to) throws Exception {
        // PrivateKeyInfo: SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING { the SEC1 ECPrivateKey } }
        byte[] der = Files.readAllBytes(pkcs8Der);
        int[] at = {0};
        header(der, at, 0x30);
        int version = header(der, at, 0x02);
        at[0] += version;
        int algorithm = header(der, at, 0x30);
        at[0] += algorithm;
        int length = header(der, at, 0x04);
        return pem("EC PRIVATE KEY", Arrays.copyOfRange(der, at[0], at[0] + length), to);
    }

    /** Reads a tag (which must be {@code tag}) and a length at {@code at}, leaving {@code at} on the content. */
    private static int header(byte[] der, int[] at, int tag) {
        if ((der[at[0]++] & 0xff) != tag) {
            throw new IllegalStateException("not the PKCS#8 DER expected");
        }
        int first = der[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = length << 8 | der[at[0]++] & 0xff;
        }
        return length;
    }

    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            body.writeBytes(part);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = body.size();
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xff);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static Path pem(String label, byte[] der, Path to) throws Exception {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return Files.writeString(to, "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n",
                StandardCharsets.US_ASCII);
    }
}
