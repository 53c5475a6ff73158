package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertiesPropertySource;

/**
 * The properties block of docs/spring-boot.md ("One dependency and four properties") as a user copies it into
 * {@code application.properties}: loaded as a real {@code .properties} file, it binds to what it means.
 */
class DocsPropertiesBlockTest {

    /** The module's directory is the working directory of its tests. */
    static final Path DOC = Path.of("..", "docs", "spring-boot.md");
    static final String SECTION = "## One dependency and four properties";

    @Test
    void thePropertiesBlockOfTheDocsShouldBindAsWritten() throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(propertiesBlock()));

        new ApplicationContextRunner()
                .withInitializer(context -> context.getEnvironment().getPropertySources()
                        .addFirst(new PropertiesPropertySource("docs/spring-boot.md", properties)))
                .withUserConfiguration(BindOnly.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    KeelProperties keel = context.getBean(KeelProperties.class);
                    assertThat(keel.getKafka().getBootstrapServers()).isEqualTo("localhost:9092");
                    assertThat(keel.getRedis().getUri()).isEqualTo("redis://localhost:6379");
                    assertThat(keel.getTopics()).containsOnlyKeys("orders");
                    assertThat(keel.getTopics().get("orders").getPartitions()).isEqualTo(8);
                    assertThat(Binder.get(context.getEnvironment())
                            .bind("management.endpoint.health.group.readiness.include", Bindable.listOf(String.class))
                            .get()).isEqualTo(List.of("readinessState", "keel"));
                });
    }

    /** The first {@code ```properties} block after the section's heading. */
    static String propertiesBlock() throws IOException {
        assertThat(DOC).as("docs/spring-boot.md, relative to the module directory %s",
                Path.of("").toAbsolutePath()).isRegularFile();
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int section = doc.indexOf(SECTION);
        assertThat(section).as("section '%s' in %s", SECTION, DOC).isNotNegative();
        int open = doc.indexOf("```properties\n", section);
        assertThat(open).as("a ```properties block in section '%s'", SECTION).isNotNegative();
        int start = open + "```properties\n".length();
        int end = doc.indexOf("```", start);
        assertThat(end).as("the end of the ```properties block").isPositive();
        return doc.substring(start, end);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(KeelProperties.class)
    static class BindOnly {
    }
}
