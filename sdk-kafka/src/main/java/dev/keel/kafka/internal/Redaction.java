package dev.keel.kafka.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Masks client property values that may hold secrets, for logs and {@code toString}. A property is
 * sensitive when its name (ignoring case) contains {@code password}, {@code passphrase},
 * {@code secret}, {@code credential}, {@code token}, {@code jaas} or {@code user.info} /
 * {@code userinfo} (Schema Registry's {@code basic.auth.user.info}), or ends in {@code .key} (key
 * material such as {@code ssl.keystore.key}). Names that merely mention keys, such as
 * {@code ssl.keystore.location} or {@code partitioner.ignore.keys}, stay readable.
 */
public final class Redaction {

    public static final String MASK = "[hidden]";
    private static final List<String> SENSITIVE = List.of("password", "passphrase", "secret", "credential", "token",
            "jaas", "user.info", "userinfo");

    private Redaction() {
    }

    /** Whether a property named {@code name} may hold secret material. */
    public static boolean isSensitive(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".key") || lower.equals("key") || SENSITIVE.stream().anyMatch(lower::contains);
    }

    /** A sorted copy of {@code properties} with sensitive values replaced by {@value #MASK}. */
    public static Map<String, String> redact(Map<String, String> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> out.put(k, isSensitive(k) ? MASK : v));
        return out;
    }
}
