package dev.keel.dedup.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script with its SHA-1, the name EVALSHA knows it by once a server has loaded it. */
public record Script(String name, String body, String sha1) {

    public static Script of(String name, String body) {
        return new Script(name, body, sha1Of(body));
    }

    private static String sha1Of(String body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1, which every Java platform must provide", e);
        }
    }
}
