package dev.keel.spring.boot.autoconfigure;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Log levels Keel sets for the broker clients it uses, as defaults the application's own {@code logging.level.*}
 * properties override (set nowhere else, it goes in the environment's last property source). kafka-clients' admin client logs
 * "Rebootstrapping" and "Metadata update failed" at INFO in a tight loop while no broker answers, thousands of
 * lines before Keel reports the unreachable bootstrap servers; its logger is set to WARN, which keeps the client's
 * own "Connection to node ... could not be established" warnings. Registered in {@code META-INF/spring.factories}.
 */
public final class KeelLogLevels implements EnvironmentPostProcessor {

    /** The name of the property source that holds the defaults. */
    static final String SOURCE = "keelLogLevels";
    /** The admin client's metadata logger, the one that repeats while no broker answers. */
    static final String KAFKA_ADMIN_METADATA = "logging.level.org.apache.kafka.clients.admin.internals.AdminMetadataManager";
    private static final String KAFKA_ADMIN = "org.apache.kafka.clients.admin.Admin";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        // the application's own setting, wherever it is (its default properties too, which end up last), wins
        if (ClassUtils.isPresent(KAFKA_ADMIN, application.getClassLoader())
                && !environment.containsProperty(KAFKA_ADMIN_METADATA)
                && !environment.getPropertySources().contains(SOURCE)) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(KAFKA_ADMIN_METADATA, "WARN")));
        }
    }
}
