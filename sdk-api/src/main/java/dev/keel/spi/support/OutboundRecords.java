package dev.keel.spi.support;

import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keel's header scheme for records an adapter publishes outside the engine's publisher (transactional
 * publishes, pipelines), so that they look to consumers like any other Keel message.
 */
public final class OutboundRecords {

    private OutboundRecords() {
    }

    /**
     * The record of {@code message} for {@code topic}: the application's headers plus {@link KeelHeaders#ID}
     * ({@code id}), {@link KeelHeaders#KEY} (when the message has a key), {@link KeelHeaders#TIMESTAMP}
     * ({@code timestamp} in epoch milliseconds) and {@link KeelHeaders#PRIORITY} (when the message has a
     * priority). The caller chooses the id and timestamp for a message that has none. The record is never
     * delayed: a caller that cannot send a delayed message refuses one with {@link #isDelayed} first, so that
     * no delivery time is dropped silently.
     */
    public static OutboundRecord of(String topic, Message message, String id, Instant timestamp) {
        Objects.requireNonNull(message, "message");
        Map<String, String> headers = new LinkedHashMap<>(message.headers());
        headers.put(KeelHeaders.ID, id);
        if (message.key() != null) {
            headers.put(KeelHeaders.KEY, message.key());
        }
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(timestamp.toEpochMilli()));
        if (message.priority() != null) {
            headers.put(KeelHeaders.PRIORITY, Integer.toString(message.priority()));
        }
        return new OutboundRecord(topic, id, message.key(), headers, message.payload(), timestamp);
    }

    /**
     * Whether {@code message} asks to be delivered later than {@code now}: a {@code delay} over zero, or a
     * {@code deliverAt} after {@code now} (an earlier one is published at once, as by the engine's publisher).
     */
    public static boolean isDelayed(Message message, Instant now) {
        Objects.requireNonNull(message, "message");
        if (message.deliverAt() != null) {
            return message.deliverAt().isAfter(now);
        }
        return message.delay() != null && !message.delay().isZero();
    }
}
