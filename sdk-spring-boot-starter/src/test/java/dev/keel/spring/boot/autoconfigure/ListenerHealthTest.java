package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Delivery;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A listener stopped on purpose ({@link KeelListenerRegistry#stop(String)}) stays in the {@code keel} health
 * contributor's details, as STOPPED, without making it DOWN; started again it is RUNNING. On real RabbitMQ and Redis.
 */
@UsesBrokers(BrokerKind.RABBIT)
class ListenerHealthTest {

    @Test
    void aStoppedListenerShouldBeListedAsStoppedWithoutMakingHealthDownAndRunningAfterItsStart() {
        String topic = UniqueNames.of("listener-health");
        String subscription = topic + "/billing";
        String id = "billing-" + topic;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE).properties("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                        "keel.redis.uri=" + Brokers.redis().uri(),
                        "keel.redis.key-prefix=" + UniqueNames.keyPrefix("listener-health"),
                        "keel.topics." + topic + ".partitions=1", "test.topic=" + topic).run()) {
            KeelListenerRegistry registry = context.getBean(KeelListenerRegistry.class);
            KeelHealthIndicator health = context.getBean(KeelHealthIndicator.class);

            registry.stop(id);

            Health stopped = health.health();
            assertThat(stopped.getStatus()).isEqualTo(Status.UP);
            assertThat(stopped.getDetails()).containsEntry("subscriptions", Map.of(subscription, "STOPPED"));

            registry.start(id);

            Health started = health.health();
            assertThat(started.getStatus()).isEqualTo(Status.UP);
            assertThat(started.getDetails()).containsEntry("subscriptions", Map.of(subscription, "RUNNING"));
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
    }
}
