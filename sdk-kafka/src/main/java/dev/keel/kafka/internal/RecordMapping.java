package dev.keel.kafka.internal;

import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates between Keel's records and Kafka's: the key travels as the record key (so Kafka's own
 * partitioner places it, as for any plain producer), headers as record headers. Keys and header
 * values map between bytes and strings with {@link BytesAsText}: UTF-8 text as itself, other bytes
 * as {@code keel-base64:<base64>} (docs/kafka.md, "Interop with plain clients").
 */
final class RecordMapping {

    private static final Logger LOG = LoggerFactory.getLogger(RecordMapping.class);
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
        List<Header> headers = new ArrayList<>(record.headers().size());
        record.headers().forEach((name, value) -> headers.add(new RecordHeader(name(record, name),
                bytes(record, value, "the value of header '" + name + "'"))));
        byte[] key = record.key() == null ? null : bytes(record, record.key(), "its key");
        return new ProducerRecord<>(record.topic(), null, record.timestamp().toEpochMilli(), key, record.payload(),
                headers);
    }

    /**
     * The record's Keel view. Its id is the {@code keel-id} header when that is UTF-8 text that is not
     * blank; otherwise (absent, blank, not UTF-8) it is {@code topic-partition-offset}.
     */
    static InboundRecord fromKafka(ConsumerRecord<byte[], byte[]> r, InboundRecord.Acknowledger acknowledger) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? "" : BytesAsText.text(h.value()));
        }
        String nativeId = r.topic() + "-" + r.partition() + "-" + r.offset();
        String keelId = headers.get(KeelHeaders.ID);
        String id = nativeId;
        if (keelId != null) {
            if (keelId.isBlank() || keelId.startsWith(BytesAsText.MARKER)) {
                LOG.debug("Record {} has a keel-id that is blank or not UTF-8 text; its id is {}", nativeId, nativeId);
            } else {
                id = keelId;
            }
        }
        String key = r.key() == null ? null : BytesAsText.text(r.key());
        byte[] payload = r.value() == null ? new byte[0] : r.value();
        Instant timestamp = Instant.ofEpochMilli(Math.max(0, r.timestamp()));
        return new InboundRecord(r.topic(), String.valueOf(r.partition()), r.offset(), id, key, headers, payload,
                timestamp, 1, acknowledger);
    }

    private static String name(OutboundRecord record, String name) {
        try {
            BytesAsText.checkEncodable(name); // names are text only; kafka-clients writes them as UTF-8
            return name;
        } catch (IllegalArgumentException e) {
            throw refused(record, "the name of a header " + e.getMessage());
        }
    }

    private static byte[] bytes(OutboundRecord record, String text, String what) {
        try {
            return BytesAsText.bytes(text);
        } catch (IllegalArgumentException e) {
            throw refused(record, what + " " + e.getMessage());
        }
    }

    private static PublishException refused(OutboundRecord record, String why) {
        String id = record.id().length() > 100 ? record.id().substring(0, 100) + "..." : record.id();
        return new PublishException("message " + id + " to " + record.topic() + " cannot be written to Kafka: " + why
                + SEE, null, false);
    }
}
