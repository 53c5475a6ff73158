package dev.keel;

import java.util.concurrent.CompletionStage;

/**
 * Middleware around what Keel builds, for cross-cutting concerns such as tracing: it sees every
 * publish and decorates every subscription's handler. Register it with
 * {@code Keel.builder(adapter).interceptor(...)}; both methods default to doing nothing, so an
 * interceptor overrides only what it needs. Module {@code sdk-observation} has one that traces with
 * Micrometer Observation.
 *
 * <p><b>Order.</b> Interceptors apply in registration order, the first registered outermost: on a
 * publish it sees the message first and its {@link PublishCall#proceed} calls the next one, the last
 * calling Keel's publisher; on a delivery its decorated handler runs first and calls the next one's,
 * the last calling the application's handler.
 *
 * <p><b>Publishing.</b> Every publish passes through {@link #interceptPublish}: those of
 * {@code keel.publisher()} (each message of a {@code publishAll} on its own) and of every
 * {@link TypedPublisher}. The message it is given already has its id (a time-ordered one when the
 * application set none). Dead letters are not published through it: they are copies of the original
 * message, its headers included.
 *
 * <p><b>Handling.</b> {@link #interceptHandler} is called once per subscription, when it starts. The
 * handler it returns runs around each attempt of the application's handler, inside Keel's own
 * middleware, which runs outermost first: metrics, dead letters, idempotency (EFFECTIVELY_ONCE),
 * retries (not AT_MOST_ONCE), decoding, then the interceptors, then the handler. So each retry goes
 * through the interceptors again, with {@link Delivery#attempt()} counting up; a message skipped as a
 * duplicate, or one that cannot be decoded, never reaches them. An exception the decorated handler
 * throws is a failure of the attempt like any other: retried, then dead-lettered.
 */
public interface KeelInterceptor {

    /**
     * Around one publish: call {@code next.proceed(message)} (or with a changed copy, such as one
     * with more headers made with {@link Message#toBuilder()}) and return its stage, or a stage
     * derived from it. Keep the message's id. Must not block: it runs on the publishing thread. An
     * exception thrown here fails the publish's stage, as does a {@code null} stage.
     *
     * @param topic   the topic the message goes to
     * @param message the message, its id set
     * @param next    the rest of the chain: the next interceptor, then Keel's publisher
     * @return the stage of the publish, completing with the broker's receipt
     */
    default CompletionStage<PublishReceipt> interceptPublish(String topic, Message message, PublishCall next) {
        return next.proceed(message);
    }

    /**
     * Decorates the handler of the subscription {@code config} describes; called once when it starts.
     * Return {@code handler} itself to leave it as it is.
     *
     * @param config  the subscription's configuration (topic, group, guarantee, policies)
     * @param handler the handler to decorate: the application's, or the next interceptor's decoration of it
     * @return the handler the subscription calls for each attempt
     */
    default <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        return handler;
    }

    /** The rest of a publish's chain, as {@link #interceptPublish} sees it. */
    @FunctionalInterface
    interface PublishCall {
        /**
         * Goes on with {@code message}: the next interceptor, or Keel's publisher after the last.
         *
         * @return a stage completing with the broker's receipt, or exceptionally with a {@link KeelException}
         */
        CompletionStage<PublishReceipt> proceed(Message message);
    }
}
