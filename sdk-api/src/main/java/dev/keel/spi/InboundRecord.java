package dev.keel.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One message an adapter received, handed to the engine through {@link DeliverySink}.
 *
 * <p>{@code id} is {@link dev.keel.spi.support.InboundIds#idOf} of the headers and the broker's own stable id
 * (Kafka {@code topic-partition-offset}, RabbitMQ {@code message-id}, RocketMQ message id).
 * {@code deliveryCount} is 1 unless the broker reports earlier deliveries. {@code headers} hold
 * every header as received, Keel's included. The engine calls {@link #ack()} at most once, from any
 * thread, and only when the message may be forgotten by the broker; adapters must tolerate (ignore)
 * an ack that arrives after the record's partition was revoked or the consumer closed.
 *
 * <p>An adapter may hand over a record whose id, headers, payload and timestamp are mapped later
 * ({@link #deferred}): on the thread that first reads one of them, which is the record's lane, not the adapter's
 * receiving thread, unless the subscription needs ids on arrival (idempotency claims). Its topic, partition,
 * position and key are known at once.
 */
public final class InboundRecord {

    /**
     * The adapter's acknowledgement actions for one record: {@link #ack()}, and for a record of a shared
     * consumer ({@link ConsumerSettings#shared()}) also {@link #release()}.
     */
    @FunctionalInterface
    public interface Acknowledger {
        void ack();

        /**
         * Hands the record back to the broker, which delivers it again (to any member of the group) with a
         * higher delivery count. Only a shared consumer's records can be released; the default refuses.
         */
        default void release() {
            throw new UnsupportedOperationException("this consumer cannot hand a record back to the broker: only "
                    + "a shared consumer (ConsumerSettings.shared()) can");
        }

        /**
         * Whether {@link #release()} would have the broker deliver the record again: false when the adapter
         * cannot release, and when this delivery is the last the broker allows (its delivery limit), where a
         * released record would be archived or dead-lettered by the broker instead. False by default.
         */
        default boolean releasable() {
            return false;
        }
    }

    /**
     * The parts of a record that {@link #deferred} maps on first use: its id, headers, payload and timestamp.
     * A carrier, not a value: its payload is not copied.
     */
    public static final class Content {
        private final String id;
        private final Map<String, String> headers;
        private final byte[] payload;
        private final Instant timestamp;

        public Content(String id, Map<String, String> headers, byte[] payload, Instant timestamp) {
            this.id = Objects.requireNonNull(id, "id");
            this.headers = Map.copyOf(headers);
            this.payload = Objects.requireNonNull(payload, "payload");
            this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
        }

        public String id() {
            return id;
        }

        public Map<String, String> headers() {
            return headers;
        }

        /** The payload bytes, not copied. */
        public byte[] payload() {
            return payload;
        }

        public Instant timestamp() {
            return timestamp;
        }
    }

    private final String topic;
    private final String partition;
    private final long position;
    private final String key;
    private final int deliveryCount;
    /** The payload's length, known without mapping: what the record counts toward the in-flight bytes. */
    private final int payloadSize;
    private final Acknowledger acknowledger;
    /** Maps the content on first use; null once mapped (or for a record built mapped). */
    private Supplier<Content> mapper;
    /** The mapped content; null until mapped. */
    private volatile Content content;
    /** Why the mapping failed, thrown again at every read; null unless it failed. */
    private volatile RecordMappingException unmappable;

    public InboundRecord(String topic, String partition, long position, String id, String key,
                         Map<String, String> headers, byte[] payload, Instant timestamp, int deliveryCount,
                         Acknowledger acknowledger) {
        this(topic, partition, position, key, deliveryCount, payload.length, acknowledger, null);
        this.content = new Content(id, headers, payload, timestamp);
    }

    private InboundRecord(String topic, String partition, long position, String key, int deliveryCount,
                          int payloadSize, Acknowledger acknowledger, Supplier<Content> mapper) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = Objects.requireNonNull(partition, "partition");
        this.position = position;
        this.key = key;
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount must be >= 1, was " + deliveryCount);
        }
        this.deliveryCount = deliveryCount;
        if (payloadSize < 0) {
            throw new IllegalArgumentException("payloadSize must be >= 0, was " + payloadSize);
        }
        this.payloadSize = payloadSize;
        this.acknowledger = Objects.requireNonNull(acknowledger, "acknowledger");
        this.mapper = mapper;
    }

    /**
     * A record whose id, headers, payload and timestamp {@code content} maps when one of them is first read, once,
     * on the reading thread (the engine reads them on the record's lane), so that the adapter's receiving thread
     * only queues. {@code content} must not depend on state the adapter changes after handing the record over. If
     * it throws, every read of those parts throws a {@link RecordMappingException} with the cause: the engine then
     * fails the subscription, as a failure of the adapter's own thread would, and the record is not acknowledged.
     * {@code payloadSize} is the length the mapped payload will have, which the engine counts toward the
     * subscription's in-flight bytes on arrival.
     */
    public static InboundRecord deferred(String topic, String partition, long position, String key, int deliveryCount,
                                         int payloadSize, Acknowledger acknowledger, Supplier<Content> content) {
        return new InboundRecord(topic, partition, position, key, deliveryCount, payloadSize, acknowledger,
                Objects.requireNonNull(content, "content"));
    }

    /**
     * Maps the content now if it was {@link #deferred}, so that a failure shows here.
     *
     * @throws RecordMappingException when the adapter could not map it
     */
    public void map() {
        content();
    }

    private Content content() {
        Content mapped = content;
        if (mapped != null) {
            return mapped;
        }
        synchronized (this) {
            if (content == null) {
                if (unmappable == null) {
                    try {
                        content = Objects.requireNonNull(mapper.get(), "the mapped content");
                        mapper = null;
                        return content;
                    } catch (RuntimeException e) {
                        unmappable = new RecordMappingException(topic, partition, position, e);
                    }
                }
                throw unmappable;
            }
            return content;
        }
    }

    public String topic() {
        return topic;
    }

    public String partition() {
        return partition;
    }

    public long position() {
        return position;
    }

    /** @throws RecordMappingException when the record was {@link #deferred} and its content cannot be mapped */
    public String id() {
        return content().id;
    }

    public String key() {
        return key;
    }

    /** @throws RecordMappingException when the record was {@link #deferred} and its content cannot be mapped */
    public Map<String, String> headers() {
        return content().headers;
    }

    /**
     * The payload bytes, not copied: the engine does not modify them.
     *
     * @throws RecordMappingException when the record was {@link #deferred} and its content cannot be mapped
     */
    public byte[] payload() {
        return content().payload;
    }

    /** @throws RecordMappingException when the record was {@link #deferred} and its content cannot be mapped */
    public Instant timestamp() {
        return content().timestamp;
    }

    public int deliveryCount() {
        return deliveryCount;
    }

    /**
     * The payload's length in bytes, known without mapping the record: for a {@link #deferred} one, the length
     * its adapter gave.
     */
    public int payloadSize() {
        return payloadSize;
    }

    public void ack() {
        acknowledger.ack();
    }

    /**
     * Hands the record back to the broker for another delivery ({@link Capability#SHARED_CONSUMPTION}); the
     * engine calls at most one of {@link #ack()} and this, once.
     *
     * @throws UnsupportedOperationException when the record's consumer is not a shared one
     */
    public void release() {
        acknowledger.release();
    }

    /** Whether {@link #release()} would have the broker deliver the record again (see {@link Acknowledger#releasable()}). */
    public boolean releasable() {
        return acknowledger.releasable();
    }

    /** Names the record without mapping it: its id and payload size only once mapped. */
    @Override
    public String toString() {
        Content mapped = content;
        return "InboundRecord{topic=" + topic + ", partition=" + partition + ", position=" + position
                + (mapped == null ? ", not mapped yet" : ", id=" + mapped.id) + ", key=" + key
                + (mapped == null ? "" : ", payloadBytes=" + mapped.payload.length) + ", deliveryCount="
                + deliveryCount + "}";
    }
}
