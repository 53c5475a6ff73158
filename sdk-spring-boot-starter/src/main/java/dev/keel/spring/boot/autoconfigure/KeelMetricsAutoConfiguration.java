package dev.keel.spring.boot.autoconfigure;

import dev.keel.metrics.MetricsRecorder;
import dev.keel.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Keel's metrics ({@code keel.*} meters) on the application's {@link MeterRegistry}, when one
 * exists (Spring Boot's {@code spring-boot-micrometer-metrics} module makes it) and module
 * sdk-micrometer is on the class path. A {@link MetricsRecorder} bean of the application's wins.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry", "dev.keel.micrometer.MicrometerMetrics"})
public class KeelMetricsAutoConfiguration {

    @Bean
    @ConditionalOnBean(MeterRegistry.class)
    @ConditionalOnMissingBean(MetricsRecorder.class)
    MicrometerMetrics keelMicrometerMetrics(MeterRegistry registry) {
        return new MicrometerMetrics(registry);
    }
}
