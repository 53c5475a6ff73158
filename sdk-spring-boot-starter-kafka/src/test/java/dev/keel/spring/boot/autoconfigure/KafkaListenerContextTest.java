package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter end to end on the harness's real Kafka and Redis, configured by properties only: an
 * annotated listener consumes EFFECTIVELY_ONCE (a message published twice with one id is handled
 * once), the health contributor is UP with its store reachable, and the metrics reach the registry.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaListenerContextTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    static final List<String> HANDLED = new CopyOnWriteArrayList<>();

    private final String topic = UniqueNames.of("orders");

    @Test
    void anAnnotatedListenerShouldConsumeEffectivelyOnceOnRealKafkaAndRedis() {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean("billing", Billing.class)
                .withPropertyValues("keel.broker=kafka", "keel.kafka.bootstrap-servers=" + Brokers.kafka().bootstrapServers(),
                        "keel.redis.uri=" + Brokers.redis().uri(), "keel.redis.key-prefix=" + UniqueNames.keyPrefix("boot"),
                        "test.topic=" + topic, "keel.topics." + topic + ".partitions=2")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(KafkaAdapter.class);
                    Publisher publisher = context.getBean(Publisher.class);
                    for (int i = 0; i < 10; i++) {
                        publisher.publish(topic, Message.builder("order-" + i, Codec.utf8()).id("order-" + i)
                                .key("k" + (i % 3)).build());
                    }
                    publisher.publish(topic, Message.builder("order-3", Codec.utf8()).id("order-3").key("k0").build());

                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    await().atMost(PATIENCE).until(() -> HANDLED.size() >= 10
                            && registry.find("keel.duplicate_skipped").counter() != null
                            && registry.get("keel.duplicate_skipped").counter().count() == 1);
                    assertThat(HANDLED).hasSize(10).doesNotHaveDuplicates();
                    assertThat(context.getBean(KeelHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
                });
    }

    public static class Billing {
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void bill(Delivery<String> delivery) {
            HANDLED.add(delivery.payload());
        }
    }
}
