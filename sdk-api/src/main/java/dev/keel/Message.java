package dev.keel;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable message: an idempotency {@link #id() id}, an optional ordering {@link #key() key},
 * string headers, payload bytes and a timestamp.
 *
 * <p>The id is what the consumer's idempotency store deduplicates on: set a business id (for
 * example an order id plus an event type) so that a retried publish is recognised as the same
 * message. When no id is set, the publisher assigns a time-ordered UUID at publish time.
 *
 * <p>Messages with the same key are delivered to the same partition (on RabbitMQ a partition queue),
 * and handled one at a time in order under {@link dev.keel.ordering.Ordering#PER_KEY}.
 *
 * <p>A message may carry a delivery time ({@link Builder#deliverAt} or {@link Builder#delay}): it then
 * reaches consumers no earlier than that time, on adapters that declare
 * {@link dev.keel.spi.Capability#DELAYED_DELIVERY}. Its order relative to other messages of the same
 * key is not promised.
 */
public final class Message {

    /** The lowest priority. */
    public static final int MIN_PRIORITY = 0;
    /** The highest priority. */
    public static final int MAX_PRIORITY = 9;

    private final String id;
    private final String key;
    private final Map<String, String> headers;
    private final byte[] payload;
    private final Instant timestamp;
    private final Integer priority;
    private final Instant deliverAt;
    private final Duration delay;

    private Message(Builder builder) {
        this.id = builder.id;
        this.key = builder.key;
        this.headers = Map.copyOf(builder.headers);
        this.payload = builder.payload; // the builder's own copy, never modified; shared read-only with a codec's
        // decode, and with the record the publisher makes of this message (see OutboundRecord)
        this.timestamp = builder.timestamp;
        this.priority = builder.priority;
        this.deliverAt = builder.deliverAt;
        this.delay = builder.delay;
    }

    /** A builder for a message with the given payload bytes (copied). */
    public static Builder builder(byte[] payload) {
        return new Builder(payload);
    }

    /** A builder for a message whose payload is {@code value} encoded by {@code codec}. */
    public static <T> Builder builder(T value, Codec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        return new Builder(codec.encode(value));
    }

    /** A message with a UTF-8 text payload and no id, key or headers. */
    public static Message ofText(String text) {
        return builder(text, Codec.utf8()).build();
    }

    /** A builder preset with this message's fields. */
    public Builder toBuilder() {
        Builder b = new Builder(payload).id(id).key(key).timestamp(timestamp);
        b.deliverAt = deliverAt;
        b.delay = delay;
        b.headers.putAll(headers);
        b.priority = priority;
        return b;
    }

    /** The idempotency id, or {@code null} when the publisher is to assign one. */
    public String id() {
        return id;
    }

    /** The ordering key, or {@code null} for none. */
    public String key() {
        return key;
    }

    /** Application headers (Keel's own headers, prefixed {@code keel-}, are not in this map on publish). */
    public Map<String, String> headers() {
        return headers;
    }

    /** A copy of the payload bytes. */
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload size in bytes. */
    public int payloadSize() {
        return payload.length;
    }

    /** The creation timestamp, or {@code null} when the publisher is to stamp it. */
    public Instant timestamp() {
        return timestamp;
    }

    /**
     * The priority, {@value #MIN_PRIORITY}-{@value #MAX_PRIORITY} (higher first), or {@code null} for
     * none. Honoured where the adapter declares {@code Capability.PRIORITY} (RabbitMQ with classic queues,
     * on a topic declared with {@code TopicSpec.Builder#maxPriority}); elsewhere it travels only as
     * the {@link KeelHeaders#PRIORITY} header and changes no delivery order.
     */
    public Integer priority() {
        return priority;
    }

    /** The delivery time set with {@link Builder#deliverAt}, or {@code null}. */
    public Instant deliverAt() {
        return deliverAt;
    }

    /** The delay set with {@link Builder#delay} (counted from the publish), or {@code null}. */
    public Duration delay() {
        return delay;
    }

    /**
     * The payload decoded with {@code codec}, which is given this message's own bytes: a codec that keeps to
     * {@link Codec#decode}'s contract (it neither writes into them nor hands them back) leaves the message as it was.
     */
    public <T> T payload(Codec<T> codec) {
        return codec.decode(payload);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Message other)) {
            return false;
        }
        return Objects.equals(id, other.id) && Objects.equals(key, other.key)
                && headers.equals(other.headers) && Arrays.equals(payload, other.payload)
                && Objects.equals(timestamp, other.timestamp) && Objects.equals(priority, other.priority)
                && Objects.equals(deliverAt, other.deliverAt) && Objects.equals(delay, other.delay);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, key, headers, Arrays.hashCode(payload), timestamp, priority, deliverAt, delay);
    }

    /** Never prints the payload, only its size. */
    @Override
    public String toString() {
        return "Message{id=" + id + ", key=" + key + ", headers=" + headers.keySet()
                + ", payloadBytes=" + payload.length + ", timestamp=" + timestamp + ", priority=" + priority
                + (deliverAt != null ? ", deliverAt=" + deliverAt : "") + (delay != null ? ", delay=" + delay : "") + "}";
    }

    /** Builds a {@link Message}; validates on {@link #build()}. */
    public static final class Builder {
        private String id;
        private String key;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final byte[] payload;
        private Instant timestamp;
        private Integer priority;
        private Instant deliverAt;
        private Duration delay;

        private Builder(byte[] payload) {
            this.payload = Objects.requireNonNull(payload, "payload").clone();
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder key(String key) {
            this.key = key;
            return this;
        }

        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            headers.put(name, value);
            return this;
        }

        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        /** The priority, {@value #MIN_PRIORITY} (lowest) to {@value #MAX_PRIORITY}; see {@link Message#priority()}. */
        public Builder priority(int priority) {
            if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
                throw new IllegalArgumentException("priority must be in [" + MIN_PRIORITY + ", " + MAX_PRIORITY
                        + "], was " + priority);
            }
            this.priority = priority;
            return this;
        }

        /**
         * Delivers the message no earlier than {@code time} ({@code null}: at once). A time at or
         * before the publish is published as an ordinary message, without a delay (so a due time
         * computed on a clock a little ahead, or re-published late, is not an error). The adapter
         * refuses a time past its maximum delay with a {@link DelayTooLongException}. Replaces a
         * {@link #delay} set before.
         */
        public Builder deliverAt(Instant time) {
            this.deliverAt = time;
            this.delay = null;
            return this;
        }

        /**
         * Delivers the message no earlier than {@code delay} after the publish call (the publisher's
         * clock); zero or {@code null} means at once. Replaces a {@link #deliverAt} set before.
         *
         * @throws IllegalArgumentException when {@code delay} is negative
         */
        public Builder delay(Duration delay) {
            if (delay != null && delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative, was " + delay
                        + ": use Duration.ZERO (or no delay) to deliver at once");
            }
            this.delay = delay;
            this.deliverAt = null;
            return this;
        }

        public Message build() {
            if (id != null && id.isBlank()) {
                throw new IllegalArgumentException("message id must not be blank: leave it unset to have one assigned");
            }
            for (String name : headers.keySet()) {
                if (KeelHeaders.isReserved(name)) {
                    throw new IllegalArgumentException("header '" + name + "' uses the reserved prefix '"
                            + KeelHeaders.PREFIX + "': choose another header name");
                }
            }
            return new Message(this);
        }
    }
}
