package dev.keel.kafka.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Masks client property values that may hold secrets, for logs and {@code toString}. */
public final class Redaction {

    public static final String MASK = "[hidden]";
    private static final List<String> SENSITIVE = List.of("password", "secret", "jaas", "key", "token", "credential");

    private Redaction() {
    }

    /** Whether a property named {@code name} may hold secret material. */
    public static boolean isSensitive(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return SENSITIVE.stream().anyMatch(lower::contains);
    }

    /** A sorted copy of {@code properties} with sensitive values replaced by {@value #MASK}. */
    public static Map<String, String> redact(Map<String, String> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> out.put(k, isSensitive(k) ? MASK : v));
        return out;
    }
}
