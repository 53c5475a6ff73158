package dev.keel.core.internal.publish;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.core.internal.util.TimeOrderedIds;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * A message as the broker adapter sends it: its id (a time-ordered one when the application set
 * none), its timestamp, and Keel's header scheme ({@code keel-id}, {@code keel-key},
 * {@code keel-ts}, {@code keel-priority}, {@code keel-deliver-at}) next to the application's headers.
 */
final class PublishRecords {

    private final Clock clock;
    private final TimeOrderedIds ids;

    PublishRecords(Clock clock) {
        this.clock = clock;
        this.ids = new TimeOrderedIds(clock);
    }

    OutboundRecord of(String topic, Message message) {
        Instant now = clock.instant(); // read once: the id's time, the timestamp and the due time
        String id = message.id() != null ? message.id() : ids.next(now.toEpochMilli());
        Instant timestamp = message.timestamp() != null ? message.timestamp() : now;
        Instant deliverAt = DelayedPublishes.dueTime(message, now);
        // built immutable once, so the record keeps it without a copy; a message has no keel-* header of its
        // own (Message.Builder refuses them), so no name repeats
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] headers = (Map.Entry<String, String>[]) new Map.Entry<?, ?>[
                message.headers().size() + 2 + (message.key() != null ? 1 : 0)
                        + (message.priority() != null ? 1 : 0) + (deliverAt != null ? 1 : 0)];
        int n = 0;
        for (Map.Entry<String, String> header : message.headers().entrySet()) {
            headers[n++] = header;
        }
        headers[n++] = Map.entry(KeelHeaders.ID, id);
        if (message.key() != null) {
            headers[n++] = Map.entry(KeelHeaders.KEY, message.key());
        }
        headers[n++] = Map.entry(KeelHeaders.TIMESTAMP, Long.toString(timestamp.toEpochMilli()));
        if (message.priority() != null) {
            headers[n++] = Map.entry(KeelHeaders.PRIORITY, Integer.toString(message.priority()));
        }
        if (deliverAt != null) {
            headers[n] = Map.entry(KeelHeaders.DELIVER_AT, Long.toString(deliverAt.toEpochMilli()));
        }
        return new OutboundRecord(topic, id, message.key(), Map.ofEntries(headers), message.payload(SHARED),
                timestamp, deliverAt);
    }

    /**
     * The message's own payload bytes, not a copy ({@link Message#payload()} copies): a message never changes
     * them, nor does a record or an adapter sending it, so the record shares them. A codec's {@code decode} is
     * handed the message's bytes as they are.
     */
    private static final Codec<byte[]> SHARED = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            throw new UnsupportedOperationException("only reads a message's payload");
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }
    };
}
