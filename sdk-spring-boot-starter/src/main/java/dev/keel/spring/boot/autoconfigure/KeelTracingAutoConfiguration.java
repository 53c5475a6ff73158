package dev.keel.spring.boot.autoconfigure;

import dev.keel.observation.ObservationInterceptor;
import dev.keel.spi.BrokerAdapter;
import io.micrometer.observation.ObservationRegistry;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Traces Keel's publishes and deliveries with the application's {@link ObservationRegistry} (made by
 * Spring Boot's {@code spring-boot-micrometer-observation} module; with a tracer bridge on the class
 * path the observations become OpenTelemetry or Brave spans and carry W3C {@code traceparent}),
 * when module sdk-observation is on the class path. {@code keel.tracing.enabled=false} turns it off;
 * an {@link ObservationInterceptor} bean of the application's wins.
 */
@AutoConfiguration(before = KeelAutoConfiguration.class, after = KeelBrokerAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(name = {"io.micrometer.observation.ObservationRegistry",
        "dev.keel.observation.ObservationInterceptor"})
@ConditionalOnBooleanProperty(name = "keel.tracing.enabled", matchIfMissing = true)
public class KeelTracingAutoConfiguration {

    @Bean
    @ConditionalOnBean(ObservationRegistry.class)
    @ConditionalOnMissingBean(ObservationInterceptor.class)
    ObservationInterceptor keelObservationInterceptor(ObservationRegistry registry,
                                                      ObjectProvider<BrokerAdapter> adapter) {
        return new ObservationInterceptor(registry, messagingSystem(adapter.getIfUnique()));
    }

    @Bean
    @ConditionalOnBean(ObservationInterceptor.class)
    KeelBuilderCustomizer keelTracingCustomizer(ObservationInterceptor interceptor) {
        return builder -> builder.interceptor(interceptor);
    }

    /** OpenTelemetry's {@code messaging.system} for the adapter in use: kafka, rabbitmq, rocketmq, activemq. */
    static String messagingSystem(BrokerAdapter adapter) {
        String type = adapter == null ? "" : adapter.getClass().getName();
        if (type.startsWith("dev.keel.kafka.")) {
            return ObservationInterceptor.KAFKA;
        }
        if (type.startsWith("dev.keel.rabbit.")) {
            return ObservationInterceptor.RABBITMQ;
        }
        if (type.startsWith("dev.keel.rocket.")) {
            return ObservationInterceptor.ROCKETMQ;
        }
        if (type.startsWith("dev.keel.jms.")) {
            return ObservationInterceptor.ACTIVEMQ;
        }
        return adapter == null ? "unknown" : adapter.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}
