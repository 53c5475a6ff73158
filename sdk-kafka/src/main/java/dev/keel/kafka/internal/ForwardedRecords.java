package dev.keel.kafka.internal;

import dev.keel.KeelHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a delayed record forwarded from {@code T.keel-delay} to {@code T}. The forward is stamped with
 * the time it is made, not with the publish time: Kafka judges a record by its timestamp (the topic's retention,
 * {@code message.timestamp.before.max.ms}), and a record as old as its publish time plus its delay (plus, for a
 * retry copy, the delays of its earlier attempts) could be refused or deleted as soon as it arrives. The publish
 * time therefore travels as a {@code keel-ts} header on delayed records only (written when the record enters the
 * delay topic, so that it is stored as large as its forward will be, and kept by the forward), which
 * {@link RecordMapping} reads as the delivery's timestamp. For the same reason the record in the delay topic is
 * stamped with the time of the delayed publish, not with the publish time the message carries.
 */
final class ForwardedRecords {

    private ForwardedRecords() {
    }

    /**
     * The delayed record as the delay topic stores it: {@code keel-ts} = the record's timestamp added (unless it
     * has one), so that it is as large as its forward will be (a forward keeps the {@code keel-ts} it finds), and
     * stamped with the time of the delayed publish (a null timestamp: the producer's clock), not with the
     * message's timestamp. The delay topic's retention counts from the record timestamp: a message whose own
     * timestamp (an event time, {@code Message.timestamp}) is older than that retention would be deleted from the
     * delay topic before it is due.
     */
    static ProducerRecord<byte[], byte[]> forDelayTopic(ProducerRecord<byte[], byte[]> delayed) {
        if (delayed.headers().lastHeader(KeelHeaders.TIMESTAMP) == null && delayed.timestamp() != null) {
            delayed.headers().add(KeelHeaders.TIMESTAMP,
                    Long.toString(delayed.timestamp()).getBytes(StandardCharsets.UTF_8));
        }
        return new ProducerRecord<>(delayed.topic(), delayed.partition(), null, delayed.key(), delayed.value(),
                delayed.headers());
    }

    /** The record's headers plus {@code keel-ts} = its timestamp (kept as it is when the record has one). */
    static Headers withPublishTime(ConsumerRecord<byte[], byte[]> record) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        if (headers.lastHeader(KeelHeaders.TIMESTAMP) == null && record.timestamp() >= 0) {
            headers.add(KeelHeaders.TIMESTAMP, Long.toString(record.timestamp()).getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }
}
