package dev.keel.deadletter;

import java.time.Instant;
import java.util.Objects;

/**
 * One dead letter as its {@code keel-dlt-*} headers describe it (see {@link dev.keel.KeelHeaders}):
 * never its payload, only the payload's size.
 *
 * @param id             the message id (the re-driven copy keeps it)
 * @param key            the ordering key, or null
 * @param group          the consumer group that gave up on it, or null when the header is missing
 * @param causeClass     the class of the last failure
 * @param causeMessage   the last failure's message (truncated by Keel)
 * @param attempts       how many attempts were made
 * @param originTopic    the topic it came from: where a re-drive publishes it, or null when unknown
 * @param originPartition the partition or queue it came from
 * @param originPosition its broker position at origin (offset or delivery tag), -1 when unknown
 * @param deadLetteredAt when it was dead-lettered, or null when unknown
 * @param reason         {@code handler}, {@code decode}, or {@code forward} (Kafka: the topic refused a delayed
 *                       message for good when it was due)
 * @param payloadBytes   the size of the payload it carries
 * @param truncated      whether it was dead-lettered without its payload (it cannot be re-driven)
 */
public record DeadLetter(String id, String key, String group, String causeClass, String causeMessage, int attempts,
                         String originTopic, String originPartition, long originPosition, Instant deadLetteredAt,
                         String reason, int payloadBytes, boolean truncated) {

    public DeadLetter {
        Objects.requireNonNull(id, "id");
    }
}
