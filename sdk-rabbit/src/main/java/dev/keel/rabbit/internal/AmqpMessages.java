package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import dev.keel.KeelHeaders;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Keel records to AMQP properties and back. Keel's headers travel as AMQP headers (UTF-8 long
 * strings); the id is also the {@code message-id} property, so plain AMQP consumers see it.
 */
public final class AmqpMessages {

    /** Quorum queues count earlier deliveries in this header. */
    public static final String DELIVERY_COUNT_HEADER = "x-delivery-count";
    public static final String CONTENT_TYPE = "application/octet-stream";
    private static final int PERSISTENT = 2;

    private AmqpMessages() {
    }

    /** Persistent properties carrying the record's id, timestamp and headers. */
    public static AMQP.BasicProperties properties(OutboundRecord record) {
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(PERSISTENT)
                .contentType(CONTENT_TYPE)
                .messageId(record.id())
                .timestamp(Date.from(record.timestamp()))
                .headers(new HashMap<>(record.headers()))
                .priority(QueuePriorities.of(record))
                .build();
    }

    /** Every AMQP header as a string, except the broker's delivery counter (see {@link #deliveryCount}). */
    public static Map<String, String> headers(AMQP.BasicProperties properties) {
        Map<String, Object> raw = properties.getHeaders();
        if (raw == null || raw.isEmpty()) {
            return Map.of();
        }
        Map<String, String> headers = new HashMap<>(raw.size() * 2);
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (e.getValue() != null && !DELIVERY_COUNT_HEADER.equals(e.getKey())) {
                headers.put(e.getKey(), text(e.getValue()));
            }
        }
        return headers;
    }

    /**
     * The stable id the broker gives: the {@code message-id} property. A message published without
     * one (a plain client) gets a random id, {@code amqp:<queue>:<uuid>}: it cannot be recognised
     * when redelivered, so such messages are processed at least once, never wrongly skipped.
     */
    public static String nativeId(AMQP.BasicProperties properties, String queue) {
        String messageId = properties.getMessageId();
        return messageId != null && !messageId.isBlank() ? messageId : "amqp:" + queue + ":" + UUID.randomUUID();
    }

    /** {@code x-delivery-count + 1} (quorum queues); else 2 for a redelivery, 1 otherwise. */
    public static int deliveryCount(AMQP.BasicProperties properties, boolean redelivered) {
        Map<String, Object> raw = properties.getHeaders();
        Object count = raw == null ? null : raw.get(DELIVERY_COUNT_HEADER);
        if (count != null) {
            try {
                long earlier = count instanceof Number n ? n.longValue() : Long.parseLong(text(count).trim());
                if (earlier >= 0 && earlier < Integer.MAX_VALUE) {
                    return (int) earlier + 1;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the redelivered flag
            }
        }
        return redelivered ? 2 : 1;
    }

    /** The {@code keel-ts} header, else the {@code timestamp} property, else {@code fallback}. */
    public static Instant timestamp(Map<String, String> headers, AMQP.BasicProperties properties, Instant fallback) {
        String ts = headers.get(KeelHeaders.TIMESTAMP);
        if (ts != null) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(ts.trim()));
            } catch (NumberFormatException ignored) {
                // fall through to the property
            }
        }
        Date date = properties.getTimestamp();
        return date != null ? date.toInstant() : fallback;
    }

    private static String text(Object value) {
        if (value instanceof LongString s) {
            return new String(s.getBytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (value instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : list) {
                sb.append(sb.length() > 1 ? ", " : "").append(o == null ? "null" : text(o));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(value);
    }
}
