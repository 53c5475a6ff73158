package dev.keel.spring.boot.autoconfigure;

import java.util.Locale;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks Keel's secrets in {@code /actuator/configprops} and {@code /actuator/env}, whatever
 * {@code management.endpoint.*.show-values} says: passwords, the URIs (which may carry
 * credentials), and Kafka client properties that hold credentials.
 */
final class KeelSanitizingFunction implements SanitizingFunction {

    @Override
    public SanitizableData apply(SanitizableData data) {
        return isSecret(data.getLowerCaseKey()) && data.getValue() != null ? data.withSanitizedValue() : data;
    }

    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (!k.startsWith("keel.")) {
            return false;
        }
        return k.endsWith("password") || k.endsWith(".uri") || k.contains("secret") || k.contains("credential")
                || k.contains("jaas") || k.contains("token") || k.endsWith(".key") || k.contains("access-key");
    }
}
