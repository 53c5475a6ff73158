package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;

/**
 * A listener on a Kafka topic nobody declared fails the startup with Spring Boot's report naming the
 * {@code keel.topics.<topic>.*} properties that declare it, not the Java API.
 */
@ExtendWith(OutputCaptureExtension.class)
@UsesBrokers(BrokerKind.KAFKA)
class KafkaStartupFailureTest {

    @Test
    void aListenerOnAnUndeclaredTopicShouldBeReportedWithThePropertiesThatDeclareIt(CapturedOutput output) {
        String topic = UniqueNames.of("undeclared");

        assertThatThrownBy(() -> new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties("keel.broker=kafka", "keel.kafka.bootstrap-servers=" + Brokers.kafka().bootstrapServers(),
                        "keel.idempotency.store=in-memory", "test.topic=" + topic)
                .run().close()).isInstanceOf(RuntimeException.class);

        String report = output.toString().substring(output.toString().indexOf("APPLICATION FAILED TO START"));
        String description = report.substring(report.indexOf("Description:"), report.indexOf("Action:"));
        assertThat(description).contains("'" + topic + "'").contains("does not exist").doesNotContain("ensureTopology");
        assertThat(report.substring(report.indexOf("Action:"))).contains("keel.topics." + topic + ".partitions");
    }

    /** A user's application with one listener, whose topic no keel.topics.* property declares. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Listener listener() {
            return new Listener();
        }
    }

    /** A user's listener. */
    public static class Listener {
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void handle(String order) {
        }
    }
}
