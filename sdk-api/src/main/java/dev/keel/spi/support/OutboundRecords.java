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
     * ({@code id}), {@link KeelHeaders#KEY} (when the message has a key) and {@link KeelHeaders#TIMESTAMP}
     * ({@code timestamp} in epoch milliseconds). The caller chooses the id and timestamp for a message
     * that has none.
     */
    public static OutboundRecord of(String topic, Message message, String id, Instant timestamp) {
        Objects.requireNonNull(message, "message");
        Map<String, String> headers = new LinkedHashMap<>(message.headers());
        headers.put(KeelHeaders.ID, id);
        if (message.key() != null) {
            headers.put(KeelHeaders.KEY, message.key());
        }
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(timestamp.toEpochMilli()));
        return new OutboundRecord(topic, id, message.key(), headers, message.payload(), timestamp);
    }
}
