package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * What docs/spring-boot.md promises a new user: a Spring Boot application with one Keel dependency
 * (a per-broker starter, which a subclass's module has and nothing else of Keel) and the four
 * properties of the guide gets a working {@code @KeelListener}, the {@code keel} health contributor
 * in the readiness group, and Keel's meters in the registry. The application is assembled by
 * auto-configuration alone ({@code @EnableAutoConfiguration}), as in a user's {@code @SpringBootApplication}.
 */
public abstract class OneDependencyScenario {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    static final Queue<String> HANDLED = new ConcurrentLinkedQueue<>();

    /** The guide's first property: the broker's address. */
    protected abstract String brokerAddressProperty();

    /** The adapter the per-broker starter brings. */
    protected abstract Class<? extends BrokerAdapter> adapterType();

    /** What a secured broker needs besides its address (credentials, an SSL bundle); none by default. */
    protected List<String> securityProperties() {
        return List.of();
    }

    @Test
    void aListenerWithHealthAndMetricsShouldWorkWithOneDependencyAndFourProperties() {
        String topic = UniqueNames.of("orders");
        List<String> properties = new ArrayList<>(List.of(
                brokerAddressProperty(),
                "keel.redis.uri=" + Brokers.redis().uri(),
                "keel.topics." + topic + ".partitions=2",
                "management.endpoint.health.group.readiness.include=readinessState,keel"));
        properties.addAll(securityProperties());
        // test isolation only: the listener's topic, and a key prefix of its own in the shared Redis
        properties.add("test.topic=" + topic);
        properties.add("keel.redis.key-prefix=" + UniqueNames.keyPrefix("one-dependency"));

        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE).properties(properties.toArray(String[]::new)).run()) {
            assertThat(context.getBeansOfType(BrokerAdapter.class).values()).singleElement().isInstanceOf(adapterType());
            Publisher publisher = context.getBean(Publisher.class);
            for (int i = 0; i < 5; i++) {
                publisher.publish(topic, Message.builder(topic + "-" + i, Codec.utf8()).key("k" + i).build());
            }
            await().atMost(PATIENCE).until(() -> HANDLED.stream().filter(p -> p.startsWith(topic)).count() == 5);

            HealthEndpoint health = context.getBean(HealthEndpoint.class);
            assertThat(health.healthForPath("keel").getStatus()).isEqualTo(Status.UP);
            assertThat(health.healthForPath("readiness", "keel")).as("keel in the readiness group").isNotNull();
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("keel.handler").tag("topic", topic).timers()).as("Keel's handler timer")
                    .isNotEmpty();
        }
    }

    /** A user's application: auto-configuration and one listener bean. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Billing billing() {
            return new Billing();
        }
    }

    /** A user's listener. */
    public static class Billing {
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void bill(Delivery<String> order) {
            HANDLED.add(order.payload());
        }
    }
}
