package dev.keel.core.internal;

import dev.keel.KeelHeaders;
import dev.keel.deadletter.DeadLetter;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a dead letter read from its topic is described, re-driven to its origin, or re-appended to its topic. */
final class DeadLetterRecords {

    private DeadLetterRecords() {
    }

    /** The dead letter {@code record} carries, as its {@code keel-dlt-*} headers describe it. */
    static DeadLetter describe(InboundRecord record) {
        Map<String, String> h = record.headers();
        return new DeadLetter(record.id(), record.key(), h.get(KeelHeaders.DLT_GROUP),
                h.get(KeelHeaders.DLT_CAUSE_CLASS), h.get(KeelHeaders.DLT_CAUSE_MESSAGE),
                (int) number(h.get(KeelHeaders.DLT_ATTEMPTS), 0), h.get(KeelHeaders.DLT_ORIGIN_TOPIC),
                h.get(KeelHeaders.DLT_ORIGIN_PARTITION), number(h.get(KeelHeaders.DLT_ORIGIN_POSITION), -1),
                instant(h.get(KeelHeaders.DLT_AT)), h.get(KeelHeaders.DLT_REASON), record.payload().length,
                h.containsKey(KeelHeaders.DLT_TRUNCATED));
    }

    /** Whether the letter is {@code group}'s: its group header names it (a letter without one is anyone's). */
    static boolean belongsTo(DeadLetter letter, String group) {
        return letter.group() == null || letter.group().equals(group);
    }

    /**
     * The copy re-driven to the origin topic: same id, key, payload and application headers, without
     * the {@code keel-dlt-*} headers, with {@link KeelHeaders#REDRIVEN_AT}.
     */
    static OutboundRecord redriven(InboundRecord record, String originTopic, long nowMillis) {
        Map<String, String> headers = new LinkedHashMap<>();
        record.headers().forEach((name, value) -> {
            if (!name.startsWith("keel-dlt-")) {
                headers.put(name, value);
            }
        });
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.REDRIVEN_AT, Long.toString(nowMillis));
        return new OutboundRecord(originTopic, record.id(), record.key(), headers, record.payload(),
                record.timestamp());
    }

    /** The same dead letter appended again to its topic: kept, at the end. */
    static OutboundRecord reappended(InboundRecord record, String deadLetterTopic) {
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        return new OutboundRecord(deadLetterTopic, record.id(), record.key(), headers, record.payload(),
                record.timestamp());
    }

    private static long number(String text, long otherwise) {
        if (text == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static Instant instant(String millis) {
        long at = number(millis, Long.MIN_VALUE);
        return at == Long.MIN_VALUE ? null : Instant.ofEpochMilli(at);
    }
}
