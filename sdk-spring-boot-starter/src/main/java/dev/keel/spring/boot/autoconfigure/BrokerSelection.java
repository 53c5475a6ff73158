package dev.keel.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.util.ClassUtils;

/**
 * Which adapter {@code keel.broker} and the class path select. An adapter is present when its class and its broker's
 * client are (checked by name, nothing is loaded): module sdk-jms holds both ActiveMQ adapters, and each ActiveMQ
 * starter brings only its own broker's client, so the client tells which of the two an application can use. A new
 * adapter is one more entry here and one more configuration class guarded by {@link ConditionalOnKeelBroker}.
 *
 * @param selected the adapter's name (kafka, rabbit, rocket, artemis, activemq), or null when {@code problem} says
 *                 why none
 * @param problem  null when an adapter was selected
 */
record BrokerSelection(String selected, String problem) {

    /**
     * One adapter as the class path shows it.
     *
     * @param name        its {@code keel.broker} value
     * @param type        the adapter's class
     * @param client      a class of its broker's client
     * @param dependency  what to add for it: Keel's module, and the client where the module does not bring it alone
     */
    record Adapter(String name, String type, String client, String dependency) {
        boolean presentIn(ClassLoader loader) {
            return ClassUtils.isPresent(type, loader) && ClassUtils.isPresent(client, loader);
        }
    }

    /** Every adapter, in the order problems list them. */
    static final List<Adapter> ADAPTERS = List.of(
            new Adapter("kafka", "dev.keel.kafka.KafkaAdapter", "org.apache.kafka.clients.producer.KafkaProducer",
                    "module sdk-kafka"),
            new Adapter("rabbit", "dev.keel.rabbit.RabbitAdapter", "com.rabbitmq.client.ConnectionFactory",
                    "module sdk-rabbit"),
            new Adapter("rocket", "dev.keel.rocket.RocketAdapter",
                    "org.apache.rocketmq.client.producer.DefaultMQProducer", "module sdk-rocket"),
            new Adapter("artemis", "dev.keel.jms.ArtemisAdapter",
                    "org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory",
                    "sdk-spring-boot-starter-artemis (or module sdk-jms with org.apache.artemis:artemis-jakarta-client)"),
            new Adapter("activemq", "dev.keel.jms.ActiveMQClassicAdapter", "org.apache.activemq.ActiveMQConnectionFactory",
                    "sdk-spring-boot-starter-activemq (or module sdk-jms with org.apache.activemq:activemq-client)"));

    static Optional<Adapter> adapter(String name) {
        return ADAPTERS.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    static BrokerSelection select(String configured, ClassLoader classLoader) {
        if (configured != null && !configured.isBlank()) {
            String name = configured.trim().toLowerCase(Locale.ROOT);
            Optional<Adapter> adapter = adapter(name);
            if (adapter.isEmpty()) {
                return new BrokerSelection(null, "keel.broker=" + configured + " is not a Keel adapter: use one of "
                        + String.join(", ", ADAPTERS.stream().map(Adapter::name).toList()));
            }
            if (!adapter.get().presentIn(classLoader)) {
                return new BrokerSelection(null, "keel.broker=" + name + " but its adapter (" + adapter.get().type()
                        + ") or its client (" + adapter.get().client() + ") is not on the class path: add "
                        + adapter.get().dependency());
            }
            return new BrokerSelection(name, null);
        }
        List<String> present = new ArrayList<>();
        for (Adapter adapter : ADAPTERS) {
            if (adapter.presentIn(classLoader)) {
                present.add(adapter.name());
            }
        }
        if (present.size() == 1) {
            return new BrokerSelection(present.get(0), null);
        }
        if (present.isEmpty()) {
            return new BrokerSelection(null, "no Keel broker adapter on the class path: add the starter of your broker "
                    + "(sdk-spring-boot-starter-kafka, -rabbit, -rocket, -artemis or -activemq), or define a "
                    + "BrokerAdapter bean");
        }
        String both = present.contains("artemis") && present.contains("activemq")
                ? " (module sdk-jms with both ActiveMQ clients holds two: artemis for ActiveMQ Artemis, activemq for "
                        + "ActiveMQ Classic)"
                : "";
        return new BrokerSelection(null, "several Keel broker adapters are on the class path (" + String.join(", ", present)
                + "): set keel.broker to the one to use" + both);
    }
}
