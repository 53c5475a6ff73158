package dev.keel.kafka.internal;

import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates between Keel's records and Kafka's: the key travels as the record key (so Kafka's own
 * partitioner places it, as for any plain producer), the timestamp as the record timestamp, the other
 * headers as record headers. {@link KeelHeaders#KEY} and {@link KeelHeaders#TIMESTAMP} are not written when
 * they would repeat the record key and timestamp (a {@code keel-ts} that differs, the publish time of a copy Keel
 * stamped with the time it wrote it, is written). Keys and header values map between bytes and strings
 * with {@link BytesAsText}: UTF-8 text as itself, other bytes as {@code keel-base64:<base64>}
 * (docs/kafka.md, "Interop with plain clients").
 */
final class RecordMapping {

    private static final Logger LOG = LoggerFactory.getLogger(RecordMapping.class);
    private static final String[] PARTITION_NAMES = new String[1024];

    static {
        for (int i = 0; i < PARTITION_NAMES.length; i++) {
            PARTITION_NAMES[i] = String.valueOf(i);
        }
    }

    private static final String SEE = "; see docs/kafka.md, \"Interop with plain clients\"";

    private RecordMapping() {
    }

    /**
     * The Kafka record of {@code record}.
     *
     * @throws PublishException (not retriable) when a key, header name or value has no byte form under
     *                          the mapping, or the id starts with the binary marker
     */
    static ProducerRecord<byte[], byte[]> toKafka(OutboundRecord record) {
        if (record.id().startsWith(BytesAsText.MARKER)) {
            throw refused(record, "its id starts with '" + BytesAsText.MARKER + "', the marker of binary values;"
                    + " an id is text");
        }
        long timestamp = record.timestamp().toEpochMilli();
        byte[] key = record.key() == null ? null : bytes(record, record.key(), "its key", null);
        // no headers given: the record's own (empty) RecordHeaders takes them, not a copy of a list of ours
        ProducerRecord<byte[], byte[]> kafka = new ProducerRecord<>(record.topic(), null, timestamp, key,
                record.payload(), (Iterable<Header>) null);
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            String name = header.getKey();
            String value = header.getValue();
            if (!carriedNatively(name, value, timestamp)) {
                kafka.headers().add(name(record, name), bytes(record, value, "the value of header '", name));
            }
        }
        return kafka;
    }

    /**
     * Whether the header repeats what the record carries itself (key, timestamp), so is not written. A
     * {@code keel-ts} other than the record's timestamp is written: a copy Keel makes of a message (dead letter,
     * re-drive, retry copy) is stamped with the time it is written and carries the publish time so.
     */
    private static boolean carriedNatively(String name, String value, long timestamp) {
        return name.equals(KeelHeaders.KEY) || name.equals(KeelHeaders.TIMESTAMP) && isDecimal(value.strip(), timestamp);
    }

    /** Whether {@code text} is {@code Long.toString(number)}, without making that string. */
    private static boolean isDecimal(String text, long number) {
        if (number < 0) {
            return text.equals(Long.toString(number));
        }
        long rest = number;
        int i = text.length() - 1;
        do {
            if (i < 0 || text.charAt(i) != (char) ('0' + rest % 10)) {
                return false;
            }
            rest /= 10;
            i--;
        } while (rest != 0);
        return i < 0;
    }

    /**
     * The record's Keel view. Its id is the {@code keel-id} header when that is UTF-8 text that is not
     * blank; otherwise (absent, blank, not UTF-8) it is {@code topic-partition-offset}. Its key is the record
     * key and its timestamp the record timestamp, unless the record has a {@code keel-ts} header (a delayed
     * record's forward, see {@link ForwardedRecords}, or a record of a Keel from before the timestamp travelled
     * natively): that publish time wins when it is a number.
     */
    static InboundRecord fromKafka(ConsumerRecord<byte[], byte[]> r, InboundRecord.Acknowledger acknowledger) {
        return fromKafka(r, acknowledger, 1);
    }

    /** {@link #fromKafka(ConsumerRecord, InboundRecord.Acknowledger)} with the broker's count of this delivery (share groups). */
    static InboundRecord fromKafka(ConsumerRecord<byte[], byte[]> r, InboundRecord.Acknowledger acknowledger,
                                   int deliveryCount) {
        InboundRecord.Content content = content(r);
        return new InboundRecord(r.topic(), partition(r.partition()), r.offset(), content.id(), key(r),
                content.headers(), content.payload(), content.timestamp(), deliveryCount, acknowledger);
    }

    /**
     * The record's Keel view as {@link #fromKafka(ConsumerRecord, InboundRecord.Acknowledger)} maps it, with only
     * its key mapped now (the lanes need it at once): the rest is mapped on the thread that first reads it, the
     * record's lane ({@link InboundRecord#deferred}), so that the poll thread only queues.
     */
    static InboundRecord deferred(ConsumerRecord<byte[], byte[]> r, InboundRecord.Acknowledger acknowledger) {
        return InboundRecord.deferred(r.topic(), partition(r.partition()), r.offset(), key(r), 1,
                r.value() == null ? 0 : r.value().length, acknowledger, () -> content(r));
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : BytesAsText.text(r.key());
    }

    /** The record's id, headers, payload and timestamp (see {@link #fromKafka(ConsumerRecord, InboundRecord.Acknowledger)}). */
    static InboundRecord.Content content(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> headers = headers(r.headers().toArray());
        String id = headers.get(KeelHeaders.ID);
        if (id == null || id.isBlank() || id.startsWith(BytesAsText.MARKER)) {
            // the broker's own stable id, built only when the record has no usable keel-id (a per-record cost)
            String nativeId = r.topic() + "-" + r.partition() + "-" + r.offset();
            if (id != null) {
                LOG.debug("Record {} has a keel-id that is blank or not UTF-8 text; its id is {}", nativeId, nativeId);
            }
            id = nativeId;
        }
        byte[] payload = r.value() == null ? new byte[0] : r.value();
        Instant timestamp = Instant.ofEpochMilli(Math.max(0, timestampMillis(r, headers)));
        return new InboundRecord.Content(id, headers, payload, timestamp);
    }

    /** The record timestamp, or the {@code keel-ts} header of a forwarded record or of one an earlier Keel wrote. */
    private static long timestampMillis(ConsumerRecord<byte[], byte[]> r, Map<String, String> headers) {
        String written = headers.get(KeelHeaders.TIMESTAMP); // absent on records of this version: one lookup
        if (written != null) {
            try {
                return Long.parseLong(written.strip());
            } catch (NumberFormatException e) {
                LOG.debug("Record {}-{}-{} has a keel-ts that is not a number; its timestamp is the record's",
                        r.topic(), r.partition(), r.offset());
            }
        }
        return r.timestamp();
    }

    /**
     * The headers as text, in an immutable map built once (the record keeps it as it is); when a name
     * repeats, the last value wins, as Kafka's {@code lastHeader} reads it.
     */
    private static Map<String, String> headers(Header[] kafka) {
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] entries = (Map.Entry<String, String>[]) new Map.Entry<?, ?>[kafka.length];
        for (int i = 0; i < kafka.length; i++) {
            byte[] value = kafka[i].value();
            entries[i] = Map.entry(kafka[i].key(), value == null ? "" : BytesAsText.text(value));
        }
        try {
            return Map.ofEntries(entries);
        } catch (IllegalArgumentException repeatedName) {
            Map<String, String> lastWins = new HashMap<>();
            for (Map.Entry<String, String> e : entries) {
                lastWins.put(e.getKey(), e.getValue());
            }
            return lastWins;
        }
    }

    /** The partition's number as text; the first ones are made once, not per record. */
    static String partition(int partition) {
        return partition >= 0 && partition < PARTITION_NAMES.length ? PARTITION_NAMES[partition]
                : String.valueOf(partition);
    }

    private static String name(OutboundRecord record, String name) {
        try {
            BytesAsText.checkEncodable(name); // names are text only; kafka-clients writes them as UTF-8
            return name;
        } catch (IllegalArgumentException e) {
            throw refused(record, "the name of a header " + e.getMessage());
        }
    }

    /** {@code what} and {@code whose} (may be null) name the text in the refusal, joined only when refused. */
    private static byte[] bytes(OutboundRecord record, String text, String what, String whose) {
        try {
            return BytesAsText.bytes(text);
        } catch (IllegalArgumentException e) {
            throw refused(record, (whose == null ? what : what + whose + "'") + " " + e.getMessage());
        }
    }

    private static PublishException refused(OutboundRecord record, String why) {
        String id = record.id().length() > 100 ? record.id().substring(0, 100) + "..." : record.id();
        return new PublishException("message " + id + " to " + record.topic() + " cannot be written to Kafka: " + why
                + SEE, null, false);
    }
}
