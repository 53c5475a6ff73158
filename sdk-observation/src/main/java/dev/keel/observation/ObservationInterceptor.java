package dev.keel.observation;

import dev.keel.KeelHeaders;
import dev.keel.KeelInterceptor;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Traces Keel with Micrometer Observation. Register it on the Keel builder:
 *
 * <pre>{@code
 * Keel keel = Keel.builder(kafka).idempotencyStore(redis)
 *         .interceptor(new ObservationInterceptor(observationRegistry, ObservationInterceptor.KAFKA))
 *         .build();
 * }</pre>
 *
 * <p>Each publish (shared or typed publisher) runs in a {@link KeelObservationDocumentation#PUBLISH}
 * observation, a producer span when a tracer is configured, from the call until the broker confirmed
 * it or it failed; the observation current on the publishing thread, if any, is its parent. Its
 * trace context is written into the message's headers by the tracer's propagation: W3C
 * {@code traceparent} and {@code tracestate} with OpenTelemetry, or with Brave set to W3C propagation.
 * Each attempt of a subscription's handler runs in a {@link KeelObservationDocumentation#PROCESS}
 * observation, a consumer span continuing the trace read from the delivery's headers, current while
 * the handler runs (so the handler's own observations and publishes are its children). A handler
 * failure is recorded on it as its error. Dead letters keep the original message's headers, so a
 * reader of the dead-letter topic continues the same trace.
 *
 * <p>Key names follow OpenTelemetry's messaging conventions (see {@link KeelObservationDocumentation.Keys});
 * change them with your own conventions ({@link Builder#publishConvention}, {@link Builder#processConvention})
 * or a {@code GlobalObservationConvention} registered on the registry.
 */
public final class ObservationInterceptor implements KeelInterceptor {

    /** The {@code messaging.system} value for Kafka. */
    public static final String KAFKA = "kafka";
    /** The {@code messaging.system} value for RabbitMQ. */
    public static final String RABBITMQ = "rabbitmq";
    /** The {@code messaging.system} value for RocketMQ. */
    public static final String ROCKETMQ = "rocketmq";
    /** The {@code messaging.system} value for ActiveMQ, Artemis and Classic alike. */
    public static final String ACTIVEMQ = "activemq";

    private final ObservationRegistry registry;
    private final String messagingSystem;
    private final KeelPublishObservationConvention publishConvention;
    private final KeelProcessObservationConvention processConvention;

    /**
     * Observes with {@code registry}, with the default conventions.
     *
     * @param messagingSystem the broker, as the {@code messaging.system} attribute names it: {@link #KAFKA},
     *                        {@link #RABBITMQ} or {@link #ROCKETMQ}
     * @throws IllegalArgumentException if {@code messagingSystem} is blank
     */
    public ObservationInterceptor(ObservationRegistry registry, String messagingSystem) {
        this(builder(registry, messagingSystem));
    }

    private ObservationInterceptor(Builder builder) {
        this.registry = builder.registry;
        this.messagingSystem = builder.messagingSystem;
        this.publishConvention = builder.publishConvention;
        this.processConvention = builder.processConvention;
    }

    /**
     * A builder observing with {@code registry} for the broker {@code messagingSystem} ({@link #KAFKA},
     * {@link #RABBITMQ} or {@link #ROCKETMQ}), to set custom conventions.
     *
     * @throws IllegalArgumentException if {@code messagingSystem} is blank
     */
    public static Builder builder(ObservationRegistry registry, String messagingSystem) {
        return new Builder(registry, messagingSystem);
    }

    /**
     * The W3C header a message written elsewhere first (the transactional outbox) carries its producer's trace
     * context in.
     */
    public static final String TRACEPARENT = "traceparent";

    /**
     * {@code message} with the trace context of the observation current on this thread, for a message that is
     * published later by someone else: the transactional outbox, whose relay publishes the row on its own thread.
     * Runs one {@link KeelObservationDocumentation#PUBLISH} observation (a producer span, child of the current one,
     * ending when this returns) whose propagated headers ({@code traceparent}, {@code tracestate}) are added to the
     * message, as a direct publish adds them. The relay's publish, with no observation current and the message
     * carrying a {@code traceparent}, then sends it as it is ({@link #interceptPublish}), so the consumer's span
     * continues the trace that wrote it.
     *
     * @param topic   the topic the message will be published to
     * @param message the message, its id set
     * @return the message with the propagated headers; {@code message} itself when no tracer propagates any
     * @throws IllegalArgumentException if the message has no id
     */
    public Message withTraceContext(String topic, Message message) {
        if (message.id() == null) {
            throw new IllegalArgumentException("the message needs its id before its trace context is added: set "
                    + "Message.Builder.id(...), so that the span and the published message name the same id");
        }
        KeelPublishContext context = new KeelPublishContext(messagingSystem, topic, message);
        Observation observation = KeelObservationDocumentation.PUBLISH.observation(publishConvention,
                DefaultKeelPublishObservationConvention.INSTANCE, () -> context, registry).start();
        try {
            return withHeaders(message, context.getCarrier());
        } finally {
            observation.stop();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A message that already carries a {@value #TRACEPARENT} while no observation is current on the publishing
     * thread (a row the outbox relay publishes, written with {@link #withTraceContext}) is sent as it is, without an
     * observation of its own: its producer observation was made when it was written, and a new one here would start
     * a trace of its own and replace the writer's.
     */
    @Override
    public CompletionStage<PublishReceipt> interceptPublish(String topic, Message message, PublishCall next) {
        if (registry.getCurrentObservation() == null && message.headers().containsKey(TRACEPARENT)) {
            return next.proceed(message);
        }
        KeelPublishContext context = new KeelPublishContext(messagingSystem, topic, message);
        Observation observation = KeelObservationDocumentation.PUBLISH.observation(publishConvention,
                DefaultKeelPublishObservationConvention.INSTANCE, () -> context, registry).start();
        CompletionStage<PublishReceipt> stage;
        try {
            Message traced = withHeaders(message, context.getCarrier());
            stage = observation.scoped(() -> next.proceed(traced));
        } catch (RuntimeException | Error e) {
            observation.error(e);
            observation.stop();
            throw e;
        }
        return stage.whenComplete((receipt, error) -> {
            if (error != null) {
                observation.error(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            } else {
                context.receipt(receipt);
            }
            observation.stop();
        });
    }

    @Override
    public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        String group = config.group();
        // observeChecked: started, current while the handler runs, its failure recorded, stopped
        return delivery -> KeelObservationDocumentation.PROCESS.observation(processConvention,
                DefaultKeelProcessObservationConvention.INSTANCE,
                () -> new KeelProcessContext(messagingSystem, group, delivery), registry)
                .observeChecked(() -> handler.handle(delivery));
    }

    /** {@code message} with the propagated headers; Keel's reserved names are never written. */
    private static Message withHeaders(Message message, Map<String, String> propagated) {
        if (propagated == null || propagated.isEmpty()) {
            return message;
        }
        Message.Builder builder = message.toBuilder();
        propagated.forEach((name, value) -> {
            if (!KeelHeaders.isReserved(name)) {
                builder.header(name, value);
            }
        });
        return builder.build();
    }

    @Override
    public String toString() {
        return "ObservationInterceptor{messagingSystem=" + messagingSystem + "}";
    }

    /** Builds an {@link ObservationInterceptor}; each value is checked as it is set. */
    public static final class Builder {
        private final ObservationRegistry registry;
        private final String messagingSystem;
        private KeelPublishObservationConvention publishConvention;
        private KeelProcessObservationConvention processConvention;

        private Builder(ObservationRegistry registry, String messagingSystem) {
            this.registry = Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(messagingSystem, "messagingSystem");
            if (messagingSystem.isBlank()) {
                throw new IllegalArgumentException("messagingSystem must name the broker, such as "
                        + "ObservationInterceptor.KAFKA (\"kafka\"), RABBITMQ or ROCKETMQ; was blank");
            }
            this.messagingSystem = messagingSystem;
        }

        /**
         * Names and key values of the publish observation, instead of a {@code GlobalObservationConvention}
         * registered on the registry or {@link DefaultKeelPublishObservationConvention}.
         */
        public Builder publishConvention(KeelPublishObservationConvention convention) {
            this.publishConvention = Objects.requireNonNull(convention, "convention");
            return this;
        }

        /**
         * Names and key values of the process observation, instead of a {@code GlobalObservationConvention}
         * registered on the registry or {@link DefaultKeelProcessObservationConvention}.
         */
        public Builder processConvention(KeelProcessObservationConvention convention) {
            this.processConvention = Objects.requireNonNull(convention, "convention");
            return this;
        }

        /** The interceptor, for {@code Keel.builder(adapter).interceptor(...)}. */
        public ObservationInterceptor build() {
            return new ObservationInterceptor(this);
        }
    }
}
