package dev.keel.core.internal.deadletters;

import dev.keel.KeelHeaders;
import dev.keel.core.internal.chain.RedriveTarget;
import dev.keel.deadletter.DeadLetter;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a dead letter read from its topic is described, re-driven to its origin, or re-appended to its topic. */
public final class DeadLetterRecords {

    private DeadLetterRecords() {
    }

    /** The dead letter {@code record} carries, as its {@code keel-dlt-*} headers describe it. */
    public static DeadLetter describe(InboundRecord record) {
        Map<String, String> h = record.headers();
        return new DeadLetter(record.id(), record.key(), h.get(KeelHeaders.DLT_GROUP),
                h.get(KeelHeaders.DLT_CAUSE_CLASS), h.get(KeelHeaders.DLT_CAUSE_MESSAGE),
                (int) number(h.get(KeelHeaders.DLT_ATTEMPTS), 0), h.get(KeelHeaders.DLT_ORIGIN_TOPIC),
                h.get(KeelHeaders.DLT_ORIGIN_PARTITION), number(h.get(KeelHeaders.DLT_ORIGIN_POSITION), -1),
                instant(h.get(KeelHeaders.DLT_AT)), h.get(KeelHeaders.DLT_REASON), record.payload().length,
                h.containsKey(KeelHeaders.DLT_TRUNCATED));
    }

    /** Whether the letter is {@code group}'s: its group header names it (a letter without one is anyone's). */
    public static boolean belongsTo(DeadLetter letter, String group) {
        return letter.group() == null || letter.group().equals(group);
    }

    /**
     * The copy re-driven to the origin topic for {@code group}: same id, key, payload and application
     * headers, without the {@code keel-dlt-*} headers, with {@link KeelHeaders#REDRIVEN_AT},
     * {@link KeelHeaders#REDRIVEN_GROUP}, the letter's instance as {@link KeelHeaders#REDRIVEN_INSTANCE}
     * (a broadcast subscription's letter) and its {@link KeelHeaders#DLT_AT} as
     * {@link KeelHeaders#REDRIVEN_LETTER} (when it has one). Stamped with {@code nowMillis} (the origin's retention and
     * timestamp window count from the re-drive), the message's timestamp travelling as {@link KeelHeaders#TIMESTAMP}.
     */
    public static OutboundRecord redriven(InboundRecord record, String originTopic, String group, long nowMillis) {
        Map<String, String> headers = new LinkedHashMap<>();
        record.headers().forEach((name, value) -> {
            if (!name.startsWith("keel-dlt-") && !RedriveTarget.isRedriveHeader(name)) {
                headers.put(name, value);
            }
        });
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.REDRIVEN_AT, Long.toString(nowMillis));
        headers.put(KeelHeaders.REDRIVEN_GROUP, group);
        String instance = record.headers().get(KeelHeaders.DLT_INSTANCE);
        if (instance != null) {
            headers.put(KeelHeaders.REDRIVEN_INSTANCE, instance);
        }
        String letter = record.headers().get(KeelHeaders.DLT_AT);
        if (letter != null) {
            headers.put(KeelHeaders.REDRIVEN_LETTER, letter);
        }
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(record.timestamp().toEpochMilli()));
        return new OutboundRecord(originTopic, record.id(), record.key(), headers, record.payload(),
                Instant.ofEpochMilli(nowMillis));
    }

    /**
     * The same dead letter appended again to its topic at {@code nowMillis}: kept, at the end, marked as kept by the
     * re-drive {@code keptBy} ({@link KeelHeaders#DLT_KEPT_BY}).
     */
    public static OutboundRecord reappended(InboundRecord record, String deadLetterTopic, long nowMillis, String keptBy) {
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        headers.put(KeelHeaders.DLT_KEPT_BY, keptBy);
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(record.timestamp().toEpochMilli()));
        return new OutboundRecord(deadLetterTopic, record.id(), record.key(), headers, record.payload(),
                Instant.ofEpochMilli(nowMillis));
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
