package dev.keel.kafka.internal;

import dev.keel.KeelHeaders;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Translates between Keel's records and Kafka's: the key travels as the UTF-8 record key (so
 * Kafka's own partitioner places it, as for any plain producer), headers as UTF-8 record headers.
 */
final class RecordMapping {

    private RecordMapping() {
    }

    static ProducerRecord<byte[], byte[]> toKafka(OutboundRecord record) {
        List<Header> headers = new ArrayList<>(record.headers().size());
        record.headers().forEach((name, value) -> headers.add(new RecordHeader(name, utf8(value))));
        byte[] key = record.key() == null ? null : utf8(record.key());
        return new ProducerRecord<>(record.topic(), null, record.timestamp().toEpochMilli(), key, record.payload(),
                headers);
    }

    /** The record's Keel view; {@code id} falls back to {@code topic-partition-offset} without a keel-id. */
    static InboundRecord fromKafka(ConsumerRecord<byte[], byte[]> r, InboundRecord.Acknowledger acknowledger) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
        String nativeId = r.topic() + "-" + r.partition() + "-" + r.offset();
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        byte[] payload = r.value() == null ? new byte[0] : r.value();
        Instant timestamp = Instant.ofEpochMilli(Math.max(0, r.timestamp()));
        return new InboundRecord(r.topic(), String.valueOf(r.partition()), r.offset(),
                KeelHeaders.idOf(headers, nativeId), key, headers, payload, timestamp, 1, acknowledger);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
