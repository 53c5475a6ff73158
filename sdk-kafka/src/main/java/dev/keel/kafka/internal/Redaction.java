package dev.keel.kafka.internal;

import dev.keel.spi.support.UrlPasswords;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Masks client property values that may hold secrets, for logs and {@code toString}. A property is
 * sensitive when its name (ignoring case) contains {@code password}, {@code passphrase},
 * {@code secret}, {@code credential}, {@code token}, {@code jaas} or {@code user.info} /
 * {@code userinfo} (Schema Registry's {@code basic.auth.user.info}), or ends in {@code .key} (key
 * material such as {@code ssl.keystore.key}). Names that merely mention keys, such as
 * {@code ssl.keystore.location} or {@code partitioner.ignore.keys}, stay readable. A name that is no setting of
 * kafka-clients' producer, consumer or admin client (an interceptor's, a serializer's, Schema Registry's, a typo) is
 * masked too: what it holds is not known ({@code my.apikey}, {@code schema.registry.url} with user info).
 */
public final class Redaction {

    public static final String MASK = "[hidden]";
    private static final List<String> SENSITIVE = List.of("password", "passphrase", "secret", "credential", "token",
            "jaas", "user.info", "userinfo");
    /** The names kafka-clients knows; another's value is masked whatever its name. */
    private static final Set<String> CLIENT_SETTINGS = clientSettings();

    private Redaction() {
    }

    /** Whether a property named {@code name} may hold secret material. */
    public static boolean isSensitive(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !CLIENT_SETTINGS.contains(name) || lower.endsWith(".key") || lower.equals("key")
                || SENSITIVE.stream().anyMatch(lower::contains);
    }

    private static Set<String> clientSettings() {
        Set<String> names = new HashSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }

    /**
     * A sorted copy of {@code properties} with sensitive values replaced by {@value #MASK}, and any URL's user info in
     * the others masked ({@code https://****@host}: a URL setting whose name holds no secret word, such as
     * {@code sasl.oauthbearer.jwks.endpoint.url}, may still hold credentials).
     */
    public static Map<String, String> redact(Map<String, String> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> out.put(k, isSensitive(k) ? MASK : UrlPasswords.maskUserInfo(v)));
        return out;
    }
}
