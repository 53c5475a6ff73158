package dev.keel.testkit;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * A record as the {@link InMemoryBroker} stores it in a partition's log, for tests to inspect.
 *
 * @param topic     the topic
 * @param partition the partition number
 * @param offset    its offset in the partition (0, 1, 2, ...)
 * @param id        {@link dev.keel.spi.support.InboundIds#idOf} of its headers and the native id
 *                  {@code topic-partition-offset}
 * @param key       the ordering key, or {@code null}
 * @param headers   every header as published, Keel's included
 * @param payload   the payload bytes (not copied: do not modify)
 * @param timestamp the publish timestamp
 */
public record StoredRecord(String topic, int partition, long offset, String id, String key, Map<String, String> headers,
                           byte[] payload, Instant timestamp) {

    public StoredRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** The id a broker without Keel's header would give this record: {@code topic-partition-offset}. */
    public static String nativeId(String topic, int partition, long offset) {
        return topic + "-" + partition + "-" + offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredRecord r && r.topic.equals(topic) && r.partition == partition && r.offset == offset
                && r.id.equals(id) && Objects.equals(r.key, key) && r.headers.equals(headers)
                && Arrays.equals(r.payload, payload) && r.timestamp.equals(timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, id, key, headers, Arrays.hashCode(payload), timestamp);
    }

    /** Never prints the payload, only its size. */
    @Override
    public String toString() {
        return "StoredRecord{topic=" + topic + ", partition=" + partition + ", offset=" + offset + ", id=" + id
                + ", key=" + key + ", payloadBytes=" + payload.length + "}";
    }
}
