package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter end to end on the harness's real ActiveMQ Artemis, configured by properties only
 * ({@code keel.broker=artemis}, {@code keel.artemis.*}, the in-memory store): the topic is declared at
 * startup, and an annotated listener handles what the application's {@link Publisher} publishes,
 * a message published twice with one id once.
 */
@UsesBrokers(BrokerKind.ARTEMIS)
class ArtemisListenerContextTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    static final List<String> HANDLED = new CopyOnWriteArrayList<>();

    private final String topic = UniqueNames.of("orders");

    @Test
    void anAnnotatedListenerShouldReceiveWhatIsPublishedOnRealArtemis() {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean("billing", Billing.class)
                .withPropertyValues("keel.broker=artemis", "keel.artemis.url=" + Brokers.artemis().url(),
                        "keel.artemis.send-lanes=2",
                        "keel.idempotency.store=in-memory", "test.topic=" + topic,
                        "keel.topics." + topic + ".partitions=2")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ArtemisAdapter.class);
                    Publisher publisher = context.getBean(Publisher.class);
                    for (int i = 0; i < 5; i++) {
                        publisher.publish(topic, Message.builder("order-" + i, Codec.utf8()).id("order-" + i)
                                .key("k" + (i % 2)).build());
                    }
                    publisher.publish(topic, Message.builder("order-3", Codec.utf8()).id("order-3").key("k1").build());

                    await().atMost(PATIENCE).until(() -> HANDLED.size() >= 5);
                    publisher.publish(topic, Message.builder("last", Codec.utf8()).id("last").key("k1").build());
                    await().atMost(PATIENCE).until(() -> HANDLED.contains("last"));
                    assertThat(HANDLED).containsExactlyInAnyOrder("order-0", "order-1", "order-2", "order-3", "order-4",
                            "last");
                });
    }

    public static class Billing {
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void bill(Delivery<String> delivery) {
            HANDLED.add(delivery.payload());
        }
    }
}
