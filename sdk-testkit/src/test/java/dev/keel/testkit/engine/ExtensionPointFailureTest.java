package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DecodingException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.KeelInterceptor;
import dev.keel.MessageHandler;
import dev.keel.NonRetriableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * User code plugged into Keel besides the handler (a metrics recorder, an interceptor, a codec) can
 * throw. Its failure is logged and counted ({@code Keel.extensionFailures()}), and never taken for
 * the handler's outcome: a handled message is neither run again nor dead-lettered, and never left
 * unacknowledged.
 */
class ExtensionPointFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int MESSAGES = 3;

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aMetricsRecorderThatThrowsShouldNeitherRepeatNorDeadLetterNorLeaveUnacknowledgedAHandledMessage() {
        try (Keel keel = Keel.builder(broker.connect()).metrics(new ThrowingMetrics()).build()) {
            declare(keel);
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k").publish();
            }
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == MESSAGES);
            assertThat(effects).as("each message's effect, once").hasSize(MESSAGES)
                    .allSatisfy((id, n) -> assertThat(n.get()).as(id).isEqualTo(1));
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
            assertThat(keel.extensionFailures()).as("the recorder's failures, counted").isPositive();
        }
    }

    /** The recorder fails only where the handler's outcome is reported: latency, and the count of a handled message. */
    @Test
    void aMetricsRecorderThatThrowsOnTheHandlersOutcomeShouldApplyEachMessageOnceAndAcknowledgeIt() {
        MetricsRecorder failingOnOutcome = new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                if (event == MetricEvent.HANDLED) {
                    throw new IllegalStateException("meter registry closed");
                }
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
                throw new IllegalStateException("meter registry closed");
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).metrics(failingOnOutcome).build()) {
            declare(keel);
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k").publish();
            }
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == MESSAGES);
            assertThat(effects).as("each message's effect, once").hasSize(MESSAGES)
                    .allSatisfy((id, n) -> assertThat(n.get()).as(id).isEqualTo(1));
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
        }
    }

    @Test
    void anInterceptorThatThrowsAfterTheHandlerReturnedShouldNotRunTheHandlerAgain() {
        KeelInterceptor failingAfter = new KeelInterceptor() {
            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                return delivery -> {
                    handler.handle(delivery);
                    throw new IllegalStateException("the tracer failed to end its span");
                };
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).interceptor(failingAfter).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(effects.get("m-0")).as("handler runs").hasValue(1);
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
            assertThat(keel.extensionFailures()).isEqualTo(1);
        }
    }

    @Test
    void anInterceptorThatThrowsBeforeTheHandlerRanShouldFailTheAttemptLikeTheHandler() {
        AtomicInteger interceptorCalls = new AtomicInteger();
        KeelInterceptor failingBefore = new KeelInterceptor() {
            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                return delivery -> {
                    if (interceptorCalls.incrementAndGet() == 1) {
                        throw new IllegalStateException("the tracer is not ready");
                    }
                    handler.handle(delivery);
                };
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).interceptor(failingBefore).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(interceptorCalls.get()).as("attempts: the first failed, nothing applied, so it was retried")
                    .isEqualTo(2);
            assertThat(effects.get("m-0")).as("handler runs").hasValue(1);
            assertThat(keel.extensionFailures()).as("an attempt's failure, not an extension's").isZero();
        }
    }

    @Test
    void aCodecThatThrowsOnDecodeShouldDeadLetterTheMessageOnceWithTheCauseAndAcknowledgeIt() {
        Codec<String> brokenDecode = new Codec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                throw new IllegalArgumentException("no schema for this payload");
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, brokenDecode).build(),
                    d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(effects).as("the handler never ran").isEmpty();
            List<StoredRecord> dead = broker.records(TOPIC + ".DLT");
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).headers()).containsEntry(KeelHeaders.DLT_CAUSE_CLASS, DecodingException.class.getName())
                    .containsEntry(KeelHeaders.DLT_ATTEMPTS, "1");
        }
    }

    @Test
    void aCodecThatThrowsOnEncodeShouldFailThePublishWithATypedErrorAndPublishNothing() {
        Codec<String> brokenEncode = new Codec<>() {
            @Override
            public byte[] encode(String value) {
                throw new IllegalArgumentException("cannot serialise " + value.length() + " characters");
            }

            @Override
            public String decode(byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            assertThatThrownBy(() -> keel.publisher(TOPIC, brokenEncode).message("m").id("m-0").publish())
                    .isInstanceOf(KeelException.class).hasMessageContaining("encode")
                    .hasCauseInstanceOf(IllegalArgumentException.class);
            assertThat(broker.records(TOPIC)).isEmpty();
            keel.publisher(TOPIC, Codec.utf8()).message("next").id("m-1").publish();
            assertThat(broker.records(TOPIC)).as("the publisher stays usable").hasSize(1);
        }
    }

    @Test
    void aRedriveListenerThatThrowsShouldNeitherStopTheRedriveNorLoseALetter() {
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k" + i).publish();
            }
            java.util.concurrent.atomic.AtomicBoolean poisoned = new java.util.concurrent.atomic.AtomicBoolean(true);
            keel.subscribe(config().build(), d -> {
                if (poisoned.get()) {
                    throw new NonRetriableException("poison until fixed");
                }
                apply(d);
            });
            await().atMost(PATIENCE).until(() -> broker.records(TOPIC + ".DLT").size() == MESSAGES);
            poisoned.set(false);

            dev.keel.deadletter.RedriveResult result = keel.deadLetters(TOPIC, GROUP).redrive(
                    dev.keel.deadletter.DeadLetterFilter.all(), (soFar, received) -> {
                        throw new IllegalStateException("progress bar broken");
                    });

            assertThat(result.redriven()).as("letters re-driven").isEqualTo(MESSAGES);
            await().atMost(PATIENCE).until(() -> effects.size() == MESSAGES);
            assertThat(keel.extensionFailures()).as("the listener's failures, counted").isEqualTo(MESSAGES);
        }
    }

    /** Errors an extension can throw: a deep recursion, a custom {@code Error} (Kotlin's {@code TODO()}), an OOM. */
    static java.util.stream.Stream<java.util.function.Supplier<Error>> errors() {
        return java.util.stream.Stream.of(() -> new StackOverflowError("recorder recursed"),
                () -> new NotImplementedError("TODO()"), () -> new OutOfMemoryError("simulated"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("errors")
    void aMetricsRecorderThatThrowsAnErrorShouldApplyEachMessageOnceAndAcknowledgeIt(
            java.util.function.Supplier<Error> error) {
        MetricsRecorder failingEverywhere = new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                throw error.get();
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
                throw error.get();
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
                throw error.get();
            }

            @Override
            public void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
                throw error.get();
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).metrics(failingEverywhere).build()) {
            declare(keel);
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k").publish();
            }
            dev.keel.Subscription subscription = keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == MESSAGES);
            assertThat(effects).as("each message's effect, once").hasSize(MESSAGES)
                    .allSatisfy((id, n) -> assertThat(n.get()).as(id).isEqualTo(1));
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
            assertThat(keel.extensionFailures()).as("the recorder's failures, counted").isPositive();
            assertThat(subscription.state()).isEqualTo(dev.keel.Subscription.State.RUNNING);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("errors")
    void anInterceptorThatThrowsAnErrorAfterTheHandlerReturnedShouldNotRunTheHandlerAgain(
            java.util.function.Supplier<Error> error) {
        KeelInterceptor failingAfter = new KeelInterceptor() {
            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                return delivery -> {
                    handler.handle(delivery);
                    throw error.get();
                };
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).interceptor(failingAfter).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(effects.get("m-0")).as("handler runs").hasValue(1);
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
            assertThat(keel.extensionFailures()).isEqualTo(1);
        }
    }

    @Test
    void aCodecThatThrowsAnErrorOnDecodeShouldDeadLetterTheMessageOnceAsADecodingFailure() {
        Codec<String> brokenDecode = new Codec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                throw new StackOverflowError("schema resolution recursed");
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, brokenDecode).build(),
                    d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());

            await().atMost(PATIENCE).until(() -> committed() == 1);
            List<StoredRecord> dead = broker.records(TOPIC + ".DLT");
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).headers()).containsEntry(KeelHeaders.DLT_CAUSE_CLASS, DecodingException.class.getName())
                    .containsEntry(KeelHeaders.DLT_ATTEMPTS, "1");
        }
    }

    @Test
    void aRedriveListenerThatThrowsAnErrorShouldNeitherStopTheRedriveNorLoseALetter() {
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k" + i).publish();
            }
            java.util.concurrent.atomic.AtomicBoolean poisoned = new java.util.concurrent.atomic.AtomicBoolean(true);
            keel.subscribe(config().build(), d -> {
                if (poisoned.get()) {
                    throw new NonRetriableException("poison until fixed");
                }
                apply(d);
            });
            await().atMost(PATIENCE).until(() -> broker.records(TOPIC + ".DLT").size() == MESSAGES);
            poisoned.set(false);

            dev.keel.deadletter.RedriveResult result = keel.deadLetters(TOPIC, GROUP).redrive(
                    dev.keel.deadletter.DeadLetterFilter.all(), (soFar, received) -> {
                        throw new StackOverflowError("progress bar recursed");
                    });

            assertThat(result.redriven()).as("letters re-driven").isEqualTo(MESSAGES);
            await().atMost(PATIENCE).until(() -> effects.size() == MESSAGES);
            assertThat(keel.extensionFailures()).as("the listener's failures, counted").isEqualTo(MESSAGES);
        }
    }

    @Test
    void aPublishInterceptorThatThrowsAnErrorShouldFailTheStageAndPublishNothing() {
        KeelInterceptor failingPublish = new KeelInterceptor() {
            @Override
            public java.util.concurrent.CompletionStage<dev.keel.PublishReceipt> interceptPublish(String topic,
                    dev.keel.Message message, KeelInterceptor.PublishCall next) {
                throw new NotImplementedError("TODO()");
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).interceptor(failingPublish).build()) {
            declare(keel);
            java.util.concurrent.CompletionStage<dev.keel.PublishReceipt> stage =
                    keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").publishAsync();

            assertThatThrownBy(() -> stage.toCompletableFuture().join()).hasCauseInstanceOf(NotImplementedError.class);
            assertThat(broker.records(TOPIC)).isEmpty();
        }
    }

    /**
     * A plain {@code Throwable} (neither an {@code Exception} nor an {@code Error}: Kotlin's {@code throw Throwable()},
     * a sneaky throw) from an interceptor after the handler returned is the interceptor's failure like any other.
     * Before, the guard caught {@code Exception | Error} only: the handled message was dead-lettered with the
     * interceptor's throwable as cause, and nothing was counted.
     */
    @Test
    void anInterceptorThatThrowsAPlainThrowableAfterTheHandlerReturnedShouldNotRunTheHandlerAgain() {
        KeelInterceptor failingAfter = new KeelInterceptor() {
            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                return delivery -> {
                    handler.handle(delivery);
                    throw Sneaky.<RuntimeException>raise(new PlainThrowable("the tracer failed to end its span"));
                };
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).interceptor(failingAfter).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(effects.get("m-0")).as("handler runs").hasValue(1);
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
            assertThat(keel.extensionFailures()).isEqualTo(1);
        }
    }

    /** A handler's plain {@code Throwable} fails its attempt like an exception: it gets its retries. */
    @Test
    void aHandlerThatThrowsAPlainThrowableShouldBeRetriedLikeAnException() {
        AtomicInteger attempts = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(config().build(), d -> {
                if (attempts.incrementAndGet() == 1) {
                    throw Sneaky.<RuntimeException>raise(new PlainThrowable("not yet"));
                }
                apply(d);
            });

            await().atMost(PATIENCE).until(() -> committed() == 1);
            assertThat(attempts.get()).as("attempts: the first failed, the retry succeeded").isEqualTo(2);
            assertThat(effects.get("m-0")).as("handler's effects").hasValue(1);
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
        }
    }

    @Test
    void aCodecThatThrowsAPlainThrowableOnDecodeShouldDeadLetterTheMessageOnceAsADecodingFailure() {
        Codec<String> brokenDecode = new Codec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                throw Sneaky.<RuntimeException>raise(new PlainThrowable("schema registry client"));
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, brokenDecode).build(),
                    d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());

            await().atMost(PATIENCE).until(() -> committed() == 1);
            List<StoredRecord> dead = broker.records(TOPIC + ".DLT");
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).headers()).containsEntry(KeelHeaders.DLT_CAUSE_CLASS, DecodingException.class.getName())
                    .containsEntry(KeelHeaders.DLT_ATTEMPTS, "1");
        }
    }

    @Test
    void aMetricsRecorderThatThrowsAPlainThrowableShouldApplyEachMessageOnceAndAcknowledgeIt() {
        MetricsRecorder failing = new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                throw Sneaky.<RuntimeException>raise(new PlainThrowable("registry"));
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
                throw Sneaky.<RuntimeException>raise(new PlainThrowable("registry"));
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
                throw Sneaky.<RuntimeException>raise(new PlainThrowable("registry"));
            }
        };
        try (Keel keel = Keel.builder(broker.connect()).metrics(failing).build()) {
            declare(keel);
            for (int i = 0; i < MESSAGES; i++) {
                keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-" + i).key("k").publish();
            }
            keel.subscribe(config().build(), this::apply);

            await().atMost(PATIENCE).until(() -> committed() == MESSAGES);
            assertThat(effects).as("each message's effect, once").hasSize(MESSAGES)
                    .allSatisfy((id, n) -> assertThat(n.get()).as(id).isEqualTo(1));
            assertThat(broker.records(TOPIC + ".DLT")).as("dead letters").isEmpty();
            assertThat(keel.extensionFailures()).as("the recorder's failures, counted").isPositive();
        }
    }

    /** What Kotlin's {@code throw Throwable("...")} or a sneaky throw produces: neither an Exception nor an Error. */
    private static final class PlainThrowable extends Throwable {
        private static final long serialVersionUID = 1L;

        PlainThrowable(String message) {
            super(message);
        }
    }

    /** Throws a checked throwable where the signature does not declare it, as Kotlin and Lombok's @SneakyThrows do. */
    private static final class Sneaky {
        private Sneaky() {
        }

        @SuppressWarnings("unchecked")
        static <E extends Throwable> E raise(Throwable t) throws E {
            throw (E) t;
        }
    }

    /** What Kotlin's {@code TODO()} throws: an {@code Error} that is none of the JDK's. */
    private static final class NotImplementedError extends Error {
        private static final long serialVersionUID = 1L;

        NotImplementedError(String message) {
            super(message);
        }
    }

    private void apply(dev.keel.Delivery<String> delivery) {
        effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
    }

    private void declare(Keel keel) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
    }

    private SubscriptionConfig.Builder<String> config() {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10))
                        .abortOn(NonRetriableException.class).build());
    }

    private long committed() {
        return broker.committedOffsets(TOPIC, GROUP).getOrDefault(0, 0L);
    }

    /** A recorder broken in every method, as one with a bug or a failing registry would be. */
    private static final class ThrowingMetrics implements MetricsRecorder {
        @Override
        public void count(MetricEvent event, String topic, String group) {
            throw new IllegalStateException("registry closed");
        }

        @Override
        public void handlerLatency(String topic, String group, Duration latency, boolean success) {
            throw new IllegalStateException("registry closed");
        }

        @Override
        public void inFlight(String topic, String group, IntSupplier inFlight) {
            throw new IllegalStateException("registry closed");
        }

        @Override
        public void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
            throw new IllegalStateException("registry closed");
        }
    }
}
