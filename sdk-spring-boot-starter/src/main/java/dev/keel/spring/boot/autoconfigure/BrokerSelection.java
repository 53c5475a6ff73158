package dev.keel.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.util.ClassUtils;

/**
 * Which adapter {@code keel.broker} and the class path select. The adapters are known by the
 * class each module brings (checked by name, nothing is loaded); a new adapter is one more entry
 * here and one more configuration class guarded by {@link ConditionalOnKeelBroker}.
 *
 * @param selected the adapter's name (kafka, rabbit, rocket, artemis), or null when {@code problem} says why none
 * @param problem  null when an adapter was selected
 */
record BrokerSelection(String selected, String problem) {

    /** Adapter name to the class its module brings. */
    static final Map<String, String> ADAPTERS = adapters();

    private static Map<String, String> adapters() {
        Map<String, String> adapters = new LinkedHashMap<>();
        adapters.put("kafka", "dev.keel.kafka.KafkaAdapter");
        adapters.put("rabbit", "dev.keel.rabbit.RabbitAdapter");
        adapters.put("rocket", "dev.keel.rocket.RocketAdapter");
        adapters.put("artemis", "dev.keel.jms.ArtemisAdapter");
        return Map.copyOf(adapters);
    }

    private static final List<String> ORDER = List.of("kafka", "rabbit", "rocket", "artemis");

    static BrokerSelection select(String configured, ClassLoader classLoader) {
        if (configured != null && !configured.isBlank()) {
            String name = configured.trim().toLowerCase(Locale.ROOT);
            String type = ADAPTERS.get(name);
            if (type == null) {
                return new BrokerSelection(null, "keel.broker=" + configured + " is not a Keel adapter: use one of "
                        + String.join(", ", ORDER));
            }
            if (!ClassUtils.isPresent(type, classLoader)) {
                return new BrokerSelection(null, "keel.broker=" + name + " but its adapter (" + type
                        + ", module sdk-" + name + ") is not on the class path: add that dependency");
            }
            return new BrokerSelection(name, null);
        }
        List<String> present = new ArrayList<>();
        for (String name : ORDER) {
            if (ClassUtils.isPresent(ADAPTERS.get(name), classLoader)) {
                present.add(name);
            }
        }
        if (present.size() == 1) {
            return new BrokerSelection(present.get(0), null);
        }
        if (present.isEmpty()) {
            return new BrokerSelection(null, "no Keel broker adapter on the class path: add sdk-kafka, sdk-rabbit or "
                    + "sdk-rocket (and its keel.kafka.*, keel.rabbit.* or keel.rocket.* properties), or define a "
                    + "BrokerAdapter bean");
        }
        return new BrokerSelection(null, "several Keel broker adapters are on the class path (" + String.join(", ", present)
                + "): set keel.broker to the one to use");
    }
}
