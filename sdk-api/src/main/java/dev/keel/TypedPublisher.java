package dev.keel;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Publishes values of one type to one topic, encoded with one codec, with broker confirmation.
 * Thread-safe and cheap: it holds no resources of its own and publishes through the shared
 * {@link Publisher} (its in-flight window, timeout, retries and circuit breaker), so closing that
 * publisher, or the {@code Keel} that owns it, closes this one too: later publishes fail with
 * {@link ClosedException}.
 *
 * <pre>{@code
 * TypedPublisher<Order> orders = keel.publisher("orders", JsonCodec.of(Order.class));
 * orders.publish("order-42", order);                                  // keyed, blocks until confirmed
 * orders.message(order).id("order-42:created").key("order-42")
 *       .header("traceparent", traceparent).publish();                // with a business id and headers
 * orders.publishAsync("order-42", order).thenAccept(receipt -> ...);  // does not wait for the confirmation
 * }</pre>
 *
 * <p>{@code publish} blocks until the broker confirmed and throws the typed {@link KeelException}
 * itself ({@link UnroutableException}, {@link PublishException}, {@link KeelTimeoutException},
 * {@link BrokerUnavailableException}, {@link ClosedException}); an interrupt while waiting sets the
 * interrupt flag again and throws {@link ClosedException}. {@code publishAsync} returns a stage
 * that completes with the receipt or exceptionally with that exception. When the publisher's
 * in-flight window is full, both wait in the calling thread for room (it frees as earlier
 * publishes are confirmed or fail, a timed-out one once its send at the broker has finished; see
 * {@link Publisher}), up to {@link PublisherConfig#timeout()}, then fail with
 * {@link KeelTimeoutException} without sending. A message without an id gets a time-ordered one at
 * publish time.
 *
 * @param <T> the type of the values published
 */
public interface TypedPublisher<T> {

    /**
     * A typed publisher over {@code publisher}: what {@code keel.publisher(topic, codec)} returns.
     *
     * @throws IllegalArgumentException if {@code topic} is not 1-200 characters of [A-Za-z0-9._-]
     */
    static <T> TypedPublisher<T> of(Publisher publisher, String topic, Codec<T> codec) {
        return new CodecPublisher<>(publisher, topic, codec);
    }

    /** The topic every message goes to. */
    String topic();

    /**
     * Publishes a message built with {@link #message(Object)}; what every other publish method
     * comes down to.
     *
     * @return a stage completing with the broker's receipt, or exceptionally with a {@link KeelException}
     */
    CompletionStage<PublishReceipt> publishAsync(Outgoing<T> message);

    /** Starts a message carrying {@code value}: set its id, key or headers, then publish it. */
    default Outgoing<T> message(T value) {
        return new Outgoing<>(this, value);
    }

    /** Publishes {@code value} without a key and waits until the broker confirmed it. */
    default PublishReceipt publish(T value) {
        return message(value).publish();
    }

    /**
     * Publishes {@code value} with the ordering key {@code key} (none when {@code null}) and waits
     * until the broker confirmed it.
     */
    default PublishReceipt publish(String key, T value) {
        return message(value).key(key).publish();
    }

    /** Publishes {@code value} without a key; the stage completes when the broker confirmed it. */
    default CompletionStage<PublishReceipt> publishAsync(T value) {
        return publishAsync(message(value));
    }

    /** Publishes {@code value} with the ordering key {@code key}; the stage completes when the broker confirmed it. */
    default CompletionStage<PublishReceipt> publishAsync(String key, T value) {
        return publishAsync(message(value).key(key));
    }

    /**
     * A message being prepared for a {@link TypedPublisher}: a value plus an optional id, key,
     * headers and timestamp, published by {@link #publish()} or {@link #publishAsync()}. It follows
     * the rules of {@link Message}: a blank id or a reserved header name fails the publish at once
     * with {@link IllegalArgumentException}, and a codec that throws (or returns {@code null}) fails
     * it with {@link EncodingException}, both before anything is sent. Not thread-safe. Publishing
     * does not consume it: publishing it twice sends two copies, with the same id if one was set.
     *
     * @param <T> the type of the value
     */
    final class Outgoing<T> {
        private final TypedPublisher<T> publisher;
        private final T value;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String id;
        private String key;
        private Instant timestamp;
        private Instant deliverAt;
        private Duration delay;

        Outgoing(TypedPublisher<T> publisher, T value) {
            this.publisher = Objects.requireNonNull(publisher, "publisher");
            this.value = Objects.requireNonNull(value, "value: publish a value, or raw bytes with keel.publisher()");
        }

        /**
         * The idempotency id, for example {@code order-42:created}: a consumer under
         * EFFECTIVELY_ONCE handles each id once. Unset or {@code null}: a time-ordered id is
         * assigned. A blank id is rejected when published.
         */
        public Outgoing<T> id(String id) {
            this.id = id;
            return this;
        }

        /** The ordering key: messages with the same key are handled one at a time, in order. {@code null}: none. */
        public Outgoing<T> key(String key) {
            this.key = key;
            return this;
        }

        /**
         * Adds an application header (for example {@code traceparent}). A name with the reserved
         * prefix {@code keel-} is rejected when published.
         */
        public Outgoing<T> header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "header name"), Objects.requireNonNull(value, "header value"));
            return this;
        }

        /** The creation timestamp; unset or {@code null}: stamped at publish time. */
        public Outgoing<T> timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        /** Delivers no earlier than {@code time}: see {@link Message.Builder#deliverAt}. */
        public Outgoing<T> deliverAt(Instant time) {
            this.deliverAt = time;
            this.delay = null;
            return this;
        }

        /** Delivers no earlier than {@code delay} after the publish: see {@link Message.Builder#delay}. */
        public Outgoing<T> delay(Duration delay) {
            this.delay = delay;
            this.deliverAt = null;
            return this;
        }

        /**
         * This message with its value encoded by {@code codec}: what a {@link TypedPublisher} sends.
         *
         * @throws IllegalArgumentException for a blank id or a reserved header name
         * @throws EncodingException        when the codec throws or returns {@code null}
         */
        public Message toMessage(Codec<? super T> codec) {
            Message.Builder builder = Message.builder(encode(codec)).id(id).key(key).timestamp(timestamp);
            headers.forEach(builder::header);
            if (delay != null) {
                builder.delay(delay);
            } else if (deliverAt != null) {
                builder.deliverAt(deliverAt);
            }
            return builder.build();
        }

        private byte[] encode(Codec<? super T> codec) {
            byte[] payload;
            try {
                payload = codec.encode(value);
            } catch (Throwable e) { // any throwable, a sneaky checked one too: the codec's failure
                throw new EncodingException("the codec " + codec.getClass().getName() + " failed to encode the value "
                        + "for " + publisher.topic() + " (nothing was published): " + e, e);
            }
            if (payload == null) {
                throw new EncodingException("the codec " + codec.getClass().getName() + " encoded the value for "
                        + publisher.topic() + " as null (nothing was published)", null);
            }
            return payload;
        }

        /**
         * Publishes this message and waits until the broker confirmed it.
         *
         * @throws KeelException the typed failure; {@link ClosedException} also on interrupt (the flag is set again)
         */
        public PublishReceipt publish() {
            return Confirmations.await(publishAsync(), publisher.topic());
        }

        /** Publishes this message; the stage completes when the broker confirmed it. */
        public CompletionStage<PublishReceipt> publishAsync() {
            return publisher.publishAsync(this);
        }

        /** Never prints the value. */
        @Override
        public String toString() {
            return "Outgoing{topic=" + publisher.topic() + ", id=" + id + ", key=" + key + ", headers="
                    + headers.keySet() + ", timestamp=" + timestamp + "}";
        }
    }
}
