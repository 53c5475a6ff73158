package dev.keel.spring.boot.autoconfigure;

import dev.keel.spi.support.UrlPasswords;
import java.net.URI;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.core.env.Environment;

/**
 * The broker an application uses, as a failure report names it: its {@code keel.*} address properties and the
 * address Keel tried (from the connection details bean, so also one a {@code @ServiceConnection} set), never a
 * credential (a URL's password parameters are masked).
 *
 * @param properties the properties that set the address, such as {@code keel.kafka.bootstrap-servers}
 * @param address    the address tried, or null when unknown
 */
record BrokerInUse(String properties, String address) {

    private static final String KAFKA = "keel.kafka.bootstrap-servers";
    private static final String RABBIT = "keel.rabbit.uri (or keel.rabbit.host and keel.rabbit.port)";
    private static final String ROCKET = "keel.rocket.name-server";
    private static final String ARTEMIS = "keel.artemis.url";
    private static final String ACTIVEMQ = "keel.activemq.url";

    /**
     * The broker {@code keel.broker} and the class path select, or null when that is not known (no environment, or
     * no single adapter).
     */
    static BrokerInUse of(Environment environment, BeanFactory beans) {
        if (environment == null) {
            return null;
        }
        ClassLoader loader = BrokerInUse.class.getClassLoader();
        String selected = BrokerSelection.select(environment.getProperty("keel.broker"), loader).selected();
        if (selected == null) {
            return null;
        }
        return switch (selected) {
            case "kafka" -> new BrokerInUse(KAFKA, or(detail(beans, KeelKafkaConnectionDetails.class,
                    KeelKafkaConnectionDetails::bootstrapServers), environment.getProperty("keel.kafka.bootstrap-servers")));
            case "rabbit" -> new BrokerInUse(RABBIT, or(detail(beans, KeelRabbitConnectionDetails.class,
                    d -> withoutCredentials(d.uri())), rabbitAddress(environment)));
            case "rocket" -> new BrokerInUse(ROCKET, or(detail(beans, KeelRocketConnectionDetails.class,
                    KeelRocketConnectionDetails::nameServer), environment.getProperty("keel.rocket.name-server")));
            case "artemis" -> new BrokerInUse(ARTEMIS, UrlPasswords.mask(or(detail(beans,
                    KeelArtemisConnectionDetails.class, KeelArtemisConnectionDetails::url),
                    environment.getProperty(ARTEMIS)), KeelProperties.MASK));
            case "activemq" -> new BrokerInUse(ACTIVEMQ, UrlPasswords.maskValues(or(detail(beans,
                    KeelActiveMQConnectionDetails.class, KeelActiveMQConnectionDetails::url),
                    environment.getProperty(ACTIVEMQ)), KeelProperties.MASK));
            default -> null;
        };
    }

    private static String or(String first, String second) {
        return first != null ? first : second;
    }

    /** The address keel.rabbit.* give, as {@link PropertiesConnectionDetails.Rabbit} reads them. */
    private static String rabbitAddress(Environment environment) {
        String uri = environment.getProperty("keel.rabbit.uri");
        if (uri != null) {
            return withoutCredentials(uri);
        }
        return environment.getProperty("keel.rabbit.host", "localhost") + ":"
                + environment.getProperty("keel.rabbit.port", "5672");
    }

    private static <T> String detail(BeanFactory beans, Class<T> type, java.util.function.Function<T, String> read) {
        if (beans == null) {
            return null;
        }
        try {
            T details = beans.getBeanProvider(type).getIfUnique();
            return details == null ? null : read.apply(details);
        } catch (RuntimeException e) {
            return null; // the report goes on without the address
        }
    }

    /** {@code host:port} of an AMQP uri, without its user information; null when it does not parse. */
    static String withoutCredentials(String uri) {
        if (uri == null) {
            return null;
        }
        try {
            URI parsed = URI.create(uri);
            if (parsed.getHost() == null) {
                return null;
            }
            int port = parsed.getPort() >= 0 ? parsed.getPort() : "amqps".equals(parsed.getScheme()) ? 5671 : 5672;
            return parsed.getHost() + ":" + port;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
