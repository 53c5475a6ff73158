package dev.keel.kafka.internal;

import dev.keel.KeelHeaders;
import dev.keel.spi.support.Utf8Text;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead letter of a delayed record its topic {@code T} refused for good when it was forwarded: sent to
 * {@code T}'s default dead-letter topic ({@code T.DLT}), since the delay topic serves every group of {@code T} and
 * the record reached none. Same key, payload and headers as the forward (so the same id, and {@code keel-ts}), plus
 * {@code keel-dlt-*} headers: the cause, the forward attempts, {@code T} as origin (a re-drive sends it there), no
 * group (every group's dead-letter tools see it), reason {@code forward}, and no origin partition or position (the
 * cause message names the delay-topic partition and offset). Stamped with the time it is dead-lettered. A truncated
 * dead letter (the dead-letter topic refused the full one as too large) keeps only Keel's headers and the trace
 * context, with {@code keel-dlt-truncated} = the left-out payload's size.
 */
final class RefusedForwards {

    /** The reason header's value for a refused forward. */
    static final String REASON = "forward";

    private RefusedForwards() {
    }

    static ProducerRecord<byte[], byte[]> deadLetter(String deadLetterTopic, String topic,
                                                     ConsumerRecord<byte[], byte[]> record, Throwable cause,
                                                     int attempts, boolean truncated, long nowMillis) {
        Headers forwarded = ForwardedRecords.withPublishTime(record);
        RecordHeaders headers = new RecordHeaders();
        for (Header header : forwarded) {
            if (!truncated || KeelHeaders.isReserved(header.key()) || header.key().equals(KeelHeaders.TRACEPARENT)
                    || header.key().equals(KeelHeaders.TRACESTATE)) {
                headers.add(header);
            }
        }
        String message = topic + " refused the forward of " + record.topic() + "-" + record.partition() + "@"
                + record.offset() + " for good: " + cause.getMessage();
        put(headers, KeelHeaders.DLT_CAUSE_CLASS, cause.getClass().getName());
        put(headers, KeelHeaders.DLT_CAUSE_MESSAGE, Utf8Text.causeText(message));
        put(headers, KeelHeaders.DLT_ATTEMPTS, Integer.toString(attempts));
        put(headers, KeelHeaders.DLT_ORIGIN_TOPIC, topic);
        put(headers, KeelHeaders.DLT_AT, Long.toString(nowMillis));
        put(headers, KeelHeaders.DLT_REASON, REASON);
        byte[] value = record.value();
        if (truncated) {
            put(headers, KeelHeaders.DLT_TRUNCATED, Integer.toString(value == null ? 0 : value.length));
            value = new byte[0];
        }
        return new ProducerRecord<>(deadLetterTopic, null, nowMillis, record.key(), value, headers);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
