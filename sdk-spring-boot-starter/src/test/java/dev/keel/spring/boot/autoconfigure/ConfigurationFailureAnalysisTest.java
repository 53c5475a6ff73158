package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spring.KeelListener;
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
 * A Keel setting that is missing or out of range fails the startup with Spring Boot's report (what is wrong, and the
 * property to set), not a stack trace under "Error creating bean with name 'keelKafkaAdapter'": a missing broker
 * address, a Kafka property Keel sets itself, no idempotency store, a listener default that cannot be one.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationFailureAnalysisTest {

    @Test
    void aMissingKafkaAddressShouldBeReportedWithItsProperty(CapturedOutput output) {
        assertFailsToStart("keel.broker=kafka", "keel.idempotency.store=in-memory");

        assertThat(report(output)).contains("keel.kafka.bootstrap-servers is not set").contains("Action:");
    }

    @Test
    void aKafkaPropertyKeelSetsItselfShouldBeReportedByName(CapturedOutput output) {
        assertFailsToStart("keel.broker=kafka", "keel.kafka.bootstrap-servers=127.0.0.1:9", "keel.kafka.properties.acks=0",
                "keel.idempotency.store=in-memory");

        assertThat(report(output)).contains("acks").contains("keel.kafka");
    }

    /** Review (F5): a SASL mechanism the client cannot use, or its login module for another one, fails the startup. */
    @Test
    void kafkaSaslSettingsThatCannotWorkShouldBeReportedByNameWithoutThePassword(CapturedOutput output) {
        assertFailsToStart("keel.broker=kafka", "keel.kafka.bootstrap-servers=127.0.0.1:9",
                "keel.idempotency.store=in-memory", "keel.kafka.properties.security.protocol=SASL_SSL",
                "keel.kafka.properties.sasl.mechanism=SCRAM-SHA-512",
                "keel.kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                        + "required username=\"orders\" password=\"s3cr3t-F5\";");

        assertThat(report(output)).contains("keel.kafka").contains("sasl.mechanism SCRAM-SHA-512")
                .contains("ScramLoginModule").doesNotContain("s3cr3t-F5");
        assertThat(output.toString()).doesNotContain("s3cr3t-F5");
    }

    @Test
    void noIdempotencyStoreShouldBeReportedWithTheChoices(CapturedOutput output) {
        assertFailsToStart("keel.broker=kafka", "keel.kafka.bootstrap-servers=127.0.0.1:9");

        assertThat(report(output)).contains("Keel has no idempotency store").contains("keel.redis.uri")
                .contains("keel.idempotency.store=in-memory");
    }

    @Test
    void aListenerDefaultTopicShouldBeReportedWithWhereToSetATopic(CapturedOutput output) {
        assertFailsToStart("keel.broker=kafka", "keel.kafka.bootstrap-servers=127.0.0.1:9",
                "keel.idempotency.store=in-memory", "keel.listener.defaults.topic=orders");

        assertThat(report(output)).contains("keel.listener.defaults.topic is not supported")
                .contains("keel.listeners.<id>.topic");
    }

    private static void assertFailsToStart(String... properties) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties(properties).run().close()).isInstanceOf(RuntimeException.class);
    }

    /** Spring Boot's report: from its banner to the action. */
    private static String report(CapturedOutput output) {
        String all = output.toString();
        int start = all.indexOf("APPLICATION FAILED TO START");
        assertThat(start).as("Spring Boot's failure report in:%n%s", all).isNotNegative();
        return all.substring(start);
    }

    /** A user's application with one listener. */
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
        @KeelListener(topic = "orders", group = "billing")
        public void handle(String order) {
        }
    }
}
