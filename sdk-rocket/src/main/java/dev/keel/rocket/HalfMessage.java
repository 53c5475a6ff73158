package dev.keel.rocket;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A transactional message as the broker holds it before its outcome is known (RocketMQ's "half
 * message"): what a {@link LocalTransaction} and a {@link TransactionChecker} see of it. No payload:
 * the outcome is to be decided from your database, by the id (or key) you stored with your rows.
 *
 * @param topic   the topic the message is for
 * @param id      Keel's message id ({@code keel-id}): the one consumers deduplicate on
 * @param key     the message's ordering key, or {@code null}
 * @param headers the message's headers, Keel's ({@code keel-id}, {@code keel-key}, {@code keel-ts}) included
 * @param sentAt  when the publishing process sent the half message, by its clock (RocketMQ's born timestamp): a
 *                checker can tell from it whether the local transaction may still be running somewhere
 */
public record HalfMessage(String topic, String id, String key, Map<String, String> headers, Instant sentAt) {

    public HalfMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sentAt, "sentAt");
        headers = Map.copyOf(headers);
    }

    /**
     * How long ago, by {@code now}, the half message was sent; never negative (the clocks of two processes may
     * differ).
     */
    public Duration age(Instant now) {
        Duration age = Duration.between(sentAt, now);
        return age.isNegative() ? Duration.ZERO : age;
    }
}
