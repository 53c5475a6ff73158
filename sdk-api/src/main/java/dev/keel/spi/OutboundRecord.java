package dev.keel.spi;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What the engine hands an adapter to publish. {@code headers} already hold Keel's scheme
 * ({@link dev.keel.KeelHeaders}: id, key, timestamp) plus the application's headers: the adapter
 * writes them as broker headers/properties, and carries {@code key} natively where the broker
 * has a key (Kafka record key, RocketMQ keys/queue selector, RabbitMQ lane routing). An adapter whose
 * broker carries the key and timestamp in the record itself may leave out those two headers (Kafka does).
 *
 * <p>{@code deliverAt}, when not {@code null}, is when the message is due: the adapter delivers it no
 * earlier (the engine sends one only to adapters declaring {@link Capability#DELAYED_DELIVERY}). The
 * headers then also hold it as {@link dev.keel.KeelHeaders#DELIVER_AT}.
 *
 * <p>{@code payload} is the published message's own array, shared without a copy: read it, never write into it (an
 * adapter, or a client plugin it loads, that changed it in place would change the application's message too).
 */
public record OutboundRecord(String topic, String id, String key, Map<String, String> headers, byte[] payload,
                             Instant timestamp, Instant deliverAt) {

    /** An undelayed record. */
    public OutboundRecord(String topic, String id, String key, Map<String, String> headers, byte[] payload,
                          Instant timestamp) {
        this(topic, id, key, headers, payload, timestamp, null);
    }

    public OutboundRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundRecord r && r.topic.equals(topic) && r.id.equals(id) && Objects.equals(r.key, key)
                && r.headers.equals(headers) && Arrays.equals(r.payload, payload) && r.timestamp.equals(timestamp)
                && Objects.equals(r.deliverAt, deliverAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, id, key, headers, Arrays.hashCode(payload), timestamp, deliverAt);
    }

    @Override
    public String toString() {
        return "OutboundRecord{topic=" + topic + ", id=" + id + ", key=" + key + ", payloadBytes=" + payload.length
                + (deliverAt != null ? ", deliverAt=" + deliverAt : "") + "}";
    }

    /** Whether the record is delayed. */
    public boolean delayed() {
        return deliverAt != null;
    }

    /** This record sent to {@code destination} (same id, key, headers, payload and delivery time). */
    public OutboundRecord withTopic(String destination) {
        return new OutboundRecord(destination, id, key, headers, payload, timestamp, deliverAt);
    }
}
