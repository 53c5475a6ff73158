package dev.keel.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One message an adapter received, handed to the engine through {@link DeliverySink}.
 *
 * <p>{@code id} is {@link dev.keel.spi.support.InboundIds#idOf} of the headers and the broker's own stable id
 * (Kafka {@code topic-partition-offset}, RabbitMQ {@code message-id}, RocketMQ message id).
 * {@code deliveryCount} is 1 unless the broker reports earlier deliveries. {@code headers} hold
 * every header as received, Keel's included. The engine calls {@link #ack()} at most once, from any
 * thread, and only when the message may be forgotten by the broker; adapters must tolerate (ignore)
 * an ack that arrives after the record's partition was revoked or the consumer closed.
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

    private final String topic;
    private final String partition;
    private final long position;
    private final String id;
    private final String key;
    private final Map<String, String> headers;
    private final byte[] payload;
    private final Instant timestamp;
    private final int deliveryCount;
    private final Acknowledger acknowledger;

    public InboundRecord(String topic, String partition, long position, String id, String key,
                         Map<String, String> headers, byte[] payload, Instant timestamp, int deliveryCount,
                         Acknowledger acknowledger) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = Objects.requireNonNull(partition, "partition");
        this.position = position;
        this.id = Objects.requireNonNull(id, "id");
        this.key = key;
        this.headers = Map.copyOf(headers);
        this.payload = Objects.requireNonNull(payload, "payload");
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount must be >= 1, was " + deliveryCount);
        }
        this.deliveryCount = deliveryCount;
        this.acknowledger = Objects.requireNonNull(acknowledger, "acknowledger");
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

    public String id() {
        return id;
    }

    public String key() {
        return key;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The payload bytes, not copied: the engine does not modify them. */
    public byte[] payload() {
        return payload;
    }

    public Instant timestamp() {
        return timestamp;
    }

    public int deliveryCount() {
        return deliveryCount;
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

    @Override
    public String toString() {
        return "InboundRecord{topic=" + topic + ", partition=" + partition + ", position=" + position + ", id=" + id
                + ", key=" + key + ", payloadBytes=" + payload.length + ", deliveryCount=" + deliveryCount + "}";
    }
}
