package dev.keel.spring.boot.autoconfigure;

import dev.keel.spi.support.UrlPasswords;
import java.util.Locale;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks Keel's secrets in {@code /actuator/configprops} and {@code /actuator/env}, whatever
 * {@code management.endpoint.*.show-values} says: passwords, the URIs (which may carry
 * credentials), Kafka client properties that hold credentials, and the values of the password
 * parameters of {@code keel.artemis.url}, whose rest stays readable, and every parameter value of
 * {@code keel.activemq.url}.
 */
final class KeelSanitizingFunction implements SanitizingFunction {

    private static final String ACTIVEMQ_URL = "keel.activemq.url";

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getValue() == null) {
            return data;
        }
        if (isSecret(data.getLowerCaseKey())) {
            return data.withSanitizedValue();
        }
        if (isUrl(data.getLowerCaseKey()) && data.getValue() instanceof String url) {
            // ActiveMQ Classic's client quotes any parameter it does not know with its value: every value is masked
            return data.withValue(data.getLowerCaseKey().equals(ACTIVEMQ_URL)
                    ? UrlPasswords.maskValues(url, KeelProperties.MASK) : UrlPasswords.mask(url, KeelProperties.MASK));
        }
        return data;
    }

    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (!k.startsWith("keel.")) {
            return false;
        }
        return k.endsWith("password") || k.endsWith(".uri") || k.contains("secret") || k.contains("credential")
                || k.contains("jaas") || k.contains("token") || k.endsWith(".key") || k.contains("access-key");
    }

    private static boolean isUrl(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.startsWith("keel.") && k.endsWith(".url");
    }
}
