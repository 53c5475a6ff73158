package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Delivery;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.Publisher;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * With Redis unreachable at startup the application starts (as Spring Boot applications do with a data store
 * down), says so once in a WARN naming the address (never the password) and the property to check, and the
 * {@code keel} health contributor is DOWN with the store named. On real RabbitMQ; Redis is a port where nothing
 * listens.
 */
@ExtendWith(OutputCaptureExtension.class)
@UsesBrokers(BrokerKind.RABBIT)
class RedisUnreachableAtStartupTest {

    @Test
    void anUnreachableRedisShouldBeReportedOnceAtStartupAndMakeHealthDownNamingTheStore(CapturedOutput output)
            throws IOException {
        int closed = closedPort();
        String topic = UniqueNames.of("redis-down");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE).properties("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                        "keel.redis.uri=redis://:s3cret@127.0.0.1:" + closed,
                        "keel.topics." + topic + ".partitions=1", "test.topic=" + topic).run()) {

            assertThat(output.toString().lines().filter(l -> l.contains("WARN") && l.contains("keel.redis.uri")
                    && l.contains("Redis at 127.0.0.1:" + closed))).as("one WARN naming the address and property")
                    .hasSize(1);
            assertThat(output).doesNotContain("s3cret");

            Health health = context.getBean(KeelHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("store"))).startsWith("DOWN")
                    .contains("Redis at 127.0.0.1:" + closed).doesNotContain("s3cret");
        }
    }

    @Test
    void subscriptionsShouldBePausedAtOnceAndNoStallBeBlamedOnTheHandlerWhileTheStoreIsUnreachable(
            CapturedOutput output) throws IOException {
        int closed = closedPort();
        String topic = UniqueNames.of("redis-down");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE).properties("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                        "keel.redis.uri=redis://127.0.0.1:" + closed,
                        "keel.topics." + topic + ".partitions=1", "test.topic=" + topic).run()) {
            KeelHealthIndicator indicator = context.getBean(KeelHealthIndicator.class);
            // no message needed: the listener and its dead-letter reader both pause before their first message
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(indicator.health().getDetails())
                    .containsEntry("subscriptions", Map.of(topic + "/billing", "PAUSED",
                            topic + ".DLT/billing", "PAUSED")));

            context.getBean(Publisher.class).publish(topic, Message.builder("o-1", Codec.utf8()).build());
            // past the stall watches' threshold (30 s): the store's outage is no handler's stall
            await().during(Duration.ofSeconds(35)).atMost(Duration.ofMinutes(2))
                    .until(() -> indicator.health().getStatus().equals(Status.DOWN));
            assertThat(output).doesNotContain("has finished no message for").doesNotContain("has been held by one");
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
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
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void handle(Delivery<String> delivery) {
        }

        @KeelListener(topic = "${test.topic}.DLT", group = "billing")
        public void deadLetter(byte[] letter) {
        }
    }
}
