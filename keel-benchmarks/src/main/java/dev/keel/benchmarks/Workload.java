package dev.keel.benchmarks;

import dev.keel.Message;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;
import java.util.Map;

/**
 * The messages every benchmark sends, made once before measuring: {@value #KEYS} keys
 * ({@code k0}..), each message with the same payload of the benchmark's size, as {@code keel bench}
 * sends them. Messages carry no id: the publisher gives each publish its own.
 */
final class Workload {

    /** Distinct ordering keys, cycled through (a power of two, so the cycle is a mask). */
    static final int KEYS = 128;
    /** Partitions of every benchmark topic. */
    static final int PARTITIONS = 4;

    private Workload() {
    }

    static byte[] payload(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("payloadBytes must be >= 0, was " + bytes);
        }
        byte[] payload = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        return payload;
    }

    /** {@value #KEYS} messages, message {@code i} keyed {@code "k" + i}. */
    static Message[] messages(int payloadBytes) {
        byte[] payload = payload(payloadBytes);
        Message[] messages = new Message[KEYS];
        for (int i = 0; i < KEYS; i++) {
            messages[i] = Message.builder(payload).key("k" + i).build();
        }
        return messages;
    }

    /**
     * {@value #KEYS} records for the broker's own producer, as a plain client would send them: no
     * Keel id header, so the consumer knows each by its broker position (a distinct id per offset).
     */
    static OutboundRecord[] records(String topic, int payloadBytes) {
        byte[] payload = payload(payloadBytes);
        Instant now = Instant.now();
        OutboundRecord[] records = new OutboundRecord[KEYS];
        for (int i = 0; i < KEYS; i++) {
            records[i] = new OutboundRecord(topic, "bench-" + i, "k" + i, Map.of(), payload, now);
        }
        return records;
    }
}
