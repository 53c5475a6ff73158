package dev.keel.core.internal.chain;

import dev.keel.DecodingException;
import dev.keel.KeelHeaders;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.Utf8Text;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dead letters of one subscription: a failed message's payload, id, key and application
 * headers, with the cause, attempts and origin in {@code keel-dlt-*} headers; and, for a dead letter
 * the broker refuses for good, its truncated copy. A dead letter is stamped with the time it is written, with the
 * message's timestamp (its publish time) as {@code keel-ts}.
 */
final class DeadLetterCopies {

    private final String destination;
    private final String group;
    /** This instance's id when the subscription is a broadcast one, else null. */
    private final String instance;
    private final Clock clock;

    DeadLetterCopies(String destination, String group, String instance, Clock clock) {
        this.destination = destination;
        this.group = group;
        this.instance = instance;
        this.clock = clock;
    }

    /** The dead letter of {@code work}, which failed with {@code cause} at its last attempt. */
    OutboundRecord of(Work work, Throwable cause) {
        InboundRecord record = work.record();
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        // a new dead letter, also of a re-driven copy: whoever reads the dead-letter topic gets no re-drive target
        headers.keySet().removeIf(RedriveTarget::isRedriveHeader);
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.DLT_CAUSE_CLASS, Descriptions.original(cause).getClass().getName());
        headers.put(KeelHeaders.DLT_CAUSE_MESSAGE, Utf8Text.causeText(Descriptions.message(Descriptions.original(cause))));
        headers.put(KeelHeaders.DLT_ATTEMPTS, Integer.toString(work.attempt()));
        // a retry copy's origin is the topic it was first consumed from, where a re-drive sends it
        headers.put(KeelHeaders.DLT_ORIGIN_TOPIC, record.headers().getOrDefault(KeelHeaders.RETRY_ORIGIN_TOPIC,
                record.topic()));
        headers.put(KeelHeaders.DLT_ORIGIN_PARTITION, record.partition());
        headers.put(KeelHeaders.DLT_ORIGIN_POSITION, Long.toString(record.position()));
        headers.put(KeelHeaders.DLT_GROUP, group);
        if (instance != null) {
            headers.put(KeelHeaders.DLT_INSTANCE, instance);
        }
        Instant now = clock.instant();
        headers.put(KeelHeaders.DLT_AT, Long.toString(now.toEpochMilli()));
        headers.put(KeelHeaders.DLT_REASON, Descriptions.original(cause) instanceof DecodingException ? "decode" : "handler");
        // stamped when written (the dead-letter topic's retention and timestamp window count from then); the
        // publish time travels as keel-ts, which the adapters read as the delivery's timestamp
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(record.timestamp().toEpochMilli()));
        return new OutboundRecord(destination, record.id(), record.key(), headers, record.payload(), now);
    }

    /** {@code letter} stamped with the time it is sent again (a later round of a dead-lettering). */
    OutboundRecord restamped(OutboundRecord letter) {
        return new OutboundRecord(letter.topic(), letter.id(), letter.key(), letter.headers(), letter.payload(),
                clock.instant(), letter.deliverAt());
    }

    /**
     * The dead letter without the payload and application headers: its id, key and keel-dlt-* headers,
     * and the W3C trace context, so the dead letter stays in the original message's trace.
     */
    static OutboundRecord truncated(Work work, OutboundRecord letter) {
        Map<String, String> headers = new LinkedHashMap<>();
        letter.headers().forEach((name, value) -> {
            if (KeelHeaders.isReserved(name) || name.equals(KeelHeaders.TRACEPARENT)
                    || name.equals(KeelHeaders.TRACESTATE)) {
                headers.put(name, value);
            }
        });
        headers.put(KeelHeaders.DLT_TRUNCATED, Integer.toString(work.record().payload().length));
        return new OutboundRecord(letter.topic(), letter.id(), letter.key(), headers, new byte[0], letter.timestamp());
    }

    String destination() {
        return destination;
    }
}
