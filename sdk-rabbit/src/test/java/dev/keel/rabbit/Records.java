package dev.keel.rabbit;

import dev.keel.KeelHeaders;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Outbound records as the engine builds them. */
final class Records {

    private Records() {
    }

    static OutboundRecord keyed(String topic, String key, String payload) {
        return record(topic, UUID.randomUUID().toString(), key, payload);
    }

    static OutboundRecord record(String topic, String id, String key, String payload) {
        Instant now = Instant.now();
        Map<String, String> headers = new HashMap<>();
        headers.put(KeelHeaders.ID, id);
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(now.toEpochMilli()));
        if (key != null) {
            headers.put(KeelHeaders.KEY, key);
        }
        return new OutboundRecord(topic, id, key, headers, payload.getBytes(StandardCharsets.UTF_8), now);
    }

    /** A keyed record delayed by {@code delay} from now, its id as payload. */
    static OutboundRecord delayed(String topic, String id, String key, java.time.Duration delay) {
        Instant now = Instant.now();
        return new OutboundRecord(topic, id, key, Map.of(KeelHeaders.ID, id, KeelHeaders.KEY, key,
                KeelHeaders.TIMESTAMP, Long.toString(now.toEpochMilli())), id.getBytes(StandardCharsets.UTF_8), now,
                now.plus(delay));
    }

    static String text(dev.keel.spi.InboundRecord record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}
