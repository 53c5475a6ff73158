package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelInterceptor;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KeelInterceptor}s registered on the builder: every publish passes through them, shared or
 * typed, in registration order; a handler decorator runs around each attempt, inside the retries.
 */
class KeelInterceptorTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private Keel keel;

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
        }
        broker.close();
    }

    /** Records what it sees as "name:..." events and stamps a header "seen-by-name" on each publish. */
    private KeelInterceptor recording(String name) {
        return new KeelInterceptor() {
            @Override
            public CompletionStage<PublishReceipt> interceptPublish(String topic, Message message, PublishCall next) {
                events.add(name + ":publish:" + topic + ":" + message.id() + ":" + message.headers().keySet());
                return next.proceed(message.toBuilder().header("seen-by-" + name, "yes").build());
            }

            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                events.add(name + ":decorate:" + config.topic() + ":" + config.group());
                return delivery -> {
                    events.add(name + ":before:" + delivery.attempt());
                    try {
                        handler.handle(delivery);
                    } finally {
                        events.add(name + ":after:" + delivery.attempt());
                    }
                };
            }
        };
    }

    private void start(KeelInterceptor... interceptors) {
        Keel.Builder builder = Keel.builder(broker.connect());
        for (KeelInterceptor interceptor : interceptors) {
            builder.interceptor(interceptor);
        }
        keel = builder.build();
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(2).group(GROUP).build());
    }

    @Test
    void everyPublishShouldPassThroughTheInterceptorsInRegistrationOrderWithItsIdAssigned() {
        start(recording("a"), recording("b"));

        PublishReceipt typed = keel.publisher(TOPIC, Codec.utf8()).publish("k1", "typed");
        PublishReceipt shared = keel.publisher().publish(TOPIC, Message.ofText("shared"));
        List<PublishReceipt> all = keel.publisher().publishAll(TOPIC,
                List.of(Message.builder("x".getBytes()).id("all-1").build(), Message.ofText("all-2")));

        assertThat(events).containsExactly(
                "a:publish:orders:" + typed.messageId() + ":[]", "b:publish:orders:" + typed.messageId() + ":[seen-by-a]",
                "a:publish:orders:" + shared.messageId() + ":[]", "b:publish:orders:" + shared.messageId() + ":[seen-by-a]",
                "a:publish:orders:all-1:[]", "b:publish:orders:all-1:[seen-by-a]",
                "a:publish:orders:" + all.get(1).messageId() + ":[]",
                "b:publish:orders:" + all.get(1).messageId() + ":[seen-by-a]");
        assertThat(typed.messageId()).as("a time-ordered id, assigned before the interceptors").isNotBlank();
        List<StoredRecord> stored = broker.records(TOPIC);
        assertThat(stored).hasSize(4).allSatisfy(r -> assertThat(r.headers())
                .containsEntry("seen-by-a", "yes").containsEntry("seen-by-b", "yes"));
    }

    @Test
    void theSharedPublisherShouldStayOneObjectWithInterceptors() {
        start(recording("a"));

        Publisher first = keel.publisher();

        assertThat(keel.publisher()).isSameAs(first);
    }

    @Test
    void handlerDecoratorsShouldRunAroundEachAttemptInsideTheRetries() {
        start(recording("a"), recording("b"));
        keel.publisher().publish(TOPIC, Message.builder("m".getBytes()).id("m1").key("k").build());
        List<Integer> attempts = new CopyOnWriteArrayList<>();

        keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build())
                .build(), delivery -> {
                    events.add("handler:" + delivery.attempt());
                    attempts.add(delivery.attempt());
                    if (delivery.attempt() < 3) {
                        throw new IllegalStateException("fails twice");
                    }
                });

        await().atMost(PATIENCE).until(() -> events.contains("a:after:3"));
        assertThat(events).filteredOn(e -> e.contains(":decorate:"))
                .containsExactlyInAnyOrder("a:decorate:orders:billing", "b:decorate:orders:billing");
        assertThat(events).filteredOn(e -> !e.contains(":publish:") && !e.contains(":decorate:")).containsExactly(
                "a:before:1", "b:before:1", "handler:1", "b:after:1", "a:after:1",
                "a:before:2", "b:before:2", "handler:2", "b:after:2", "a:after:2",
                "a:before:3", "b:before:3", "handler:3", "b:after:3", "a:after:3");
        assertThat(attempts).containsExactly(1, 2, 3);
        assertThat(broker.records(TOPIC + ".DLT")).isEmpty();
    }

    @Test
    void aThrowingPublishInterceptorShouldFailThePublishStageAndSendNothing() {
        start(new KeelInterceptor() {
            @Override
            public CompletionStage<PublishReceipt> interceptPublish(String topic, Message message, PublishCall next) {
                throw new IllegalStateException("interceptor broke");
            }
        });

        CompletionStage<PublishReceipt> stage = keel.publisher().publishAsync(TOPIC, Message.ofText("x"));

        assertThat(stage).failsWithin(PATIENCE).withThrowableThat().havingRootCause()
                .isInstanceOf(IllegalStateException.class).withMessage("interceptor broke");
        assertThat(broker.records(TOPIC)).isEmpty();
    }

    @Test
    void anInterceptorReturningNothingShouldFailWithAMessageNamingIt() {
        KeelInterceptor broken = new KeelInterceptor() {
            @Override
            public CompletionStage<PublishReceipt> interceptPublish(String topic, Message message, PublishCall next) {
                return null;
            }

            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                return null;
            }
        };
        start(broken);

        assertThat(keel.publisher().publishAsync(TOPIC, Message.ofText("x"))).failsWithin(PATIENCE)
                .withThrowableThat().havingRootCause().isInstanceOf(NullPointerException.class)
                .withMessageContaining("interceptPublish returned no stage");
        assertThatThrownBy(() -> keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.bytes()).build(),
                d -> { })).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("interceptHandler returned null");
    }

    @Test
    void withoutInterceptorsThePublisherShouldBeKeelsOwnUnwrapped() {
        start();

        assertThat(keel.publisher().getClass().getSimpleName()).isEqualTo("DefaultPublisher");
    }
}
