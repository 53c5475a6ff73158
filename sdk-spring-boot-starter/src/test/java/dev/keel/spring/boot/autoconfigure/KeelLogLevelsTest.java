package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The admin client of kafka-clients logs "Rebootstrapping" at INFO thousands of times while no broker answers:
 * a Spring Boot application with the starter and kafka-clients gets its logger at WARN by default, and keeps the
 * level it sets itself.
 */
class KeelLogLevelsTest {

    @Test
    void anApplicationWithKafkaClientsShouldGetTheAdminClientsMetadataLoggerAtWarn() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Empty.class)
                .web(WebApplicationType.NONE).run()) {
            assertThat(context.getEnvironment().getProperty(KeelLogLevels.KAFKA_ADMIN_METADATA)).isEqualTo("WARN");
        }
    }

    @Test
    void theApplicationsOwnLevelShouldWin() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Empty.class)
                .web(WebApplicationType.NONE).properties(KeelLogLevels.KAFKA_ADMIN_METADATA + "=DEBUG").run()) {
            assertThat(context.getEnvironment().getProperty(KeelLogLevels.KAFKA_ADMIN_METADATA)).isEqualTo("DEBUG");
        }
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application.properties",
                Map.of(KeelLogLevels.KAFKA_ADMIN_METADATA, "INFO")));
        new KeelLogLevels().postProcessEnvironment(environment, new SpringApplication());
        assertThat(environment.getProperty(KeelLogLevels.KAFKA_ADMIN_METADATA)).isEqualTo("INFO");
    }

    @Configuration(proxyBeanMethods = false)
    static class Empty {
    }
}
