package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.UniqueNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter end to end on a harness's real broker, configured by properties only ({@code keel.broker}, the
 * broker's {@code keel.<broker>.*}, the in-memory store): the topic is declared at startup, and an annotated listener
 * handles what the application's {@link Publisher} publishes, a message published twice with one id once. A
 * per-broker starter module's subclass names the broker's properties and adapter.
 */
public abstract class ListenerContextScenario {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** What the listener handled, as {@code topic/payload}. */
    static final Queue<String> HANDLED = new ConcurrentLinkedQueue<>();

    /** {@code keel.broker=...}, the broker's address and any setting of its own. */
    protected abstract List<String> brokerProperties();

    /** The adapter those properties select. */
    protected abstract Class<? extends BrokerAdapter> adapterType();

    /** A topic name of this test's own, legal on the broker. */
    protected String topic() {
        return UniqueNames.of("orders");
    }

    @Test
    void anAnnotatedListenerShouldHandleWhatIsPublishedADuplicateIdOnce() {
        String topic = topic();
        List<String> properties = new ArrayList<>(brokerProperties());
        properties.addAll(List.of("keel.idempotency.store=in-memory", "test.topic=" + topic,
                "keel.topics." + topic + ".partitions=2"));
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean("billing", Billing.class).withPropertyValues(properties.toArray(String[]::new))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(adapterType());
                    Publisher publisher = context.getBean(Publisher.class);
                    for (int i = 0; i < 5; i++) {
                        publisher.publish(topic, Message.builder("order-" + i, Codec.utf8()).id("order-" + i)
                                .key("k" + (i % 2)).build());
                    }
                    publisher.publish(topic, Message.builder("order-3", Codec.utf8()).id("order-3").key("k1").build());

                    await().atMost(PATIENCE).until(() -> handled(topic).size() >= 5);
                    // published after the duplicate on its key: once it is handled, the duplicate had its turn
                    publisher.publish(topic, Message.builder("last", Codec.utf8()).id("last").key("k1").build());
                    await().atMost(PATIENCE).until(() -> handled(topic).contains("last"));
                    assertThat(handled(topic)).containsExactlyInAnyOrder("order-0", "order-1", "order-2", "order-3",
                            "order-4", "last");
                });
    }

    private static List<String> handled(String topic) {
        return HANDLED.stream().filter(h -> h.startsWith(topic + "/")).map(h -> h.substring(topic.length() + 1))
                .toList();
    }

    /** A user's listener. */
    public static class Billing {
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void bill(Delivery<String> delivery) {
            HANDLED.add(delivery.topic() + "/" + delivery.payload());
        }
    }
}
