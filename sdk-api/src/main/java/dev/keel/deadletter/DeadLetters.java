package dev.keel.deadletter;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The dead letters one consumer group left for one topic, on the dead-letter topic of that topic:
 * to list and inspect them (without removing them) and to re-drive them to their origin topic.
 *
 * <p><b>Re-drive.</b> Each matching dead letter is published to its origin topic with the same id
 * and the header {@link dev.keel.KeelHeaders#REDRIVEN_AT}, and is acknowledged off the dead-letter
 * topic only after the broker confirmed that publish. Under EFFECTIVELY_ONCE the idempotency store
 * marked the id dead (not done) when it was dead-lettered, so the re-driven copy runs once more,
 * while a plain redelivery of the original is still skipped; a re-drive repeated by mistake runs
 * nothing again (the first copy ends done). A store that does not tell dead from done (a custom
 * store without {@link dev.keel.dedup.IdempotencyStore#markDead}) skips re-driven copies as
 * duplicates. Dead letters that do not match the filter stay: each is re-appended to the dead-letter
 * topic (confirmed) before it is acknowledged, so it moves to the end of the topic. Dead letters of
 * other groups on the same dead-letter topic are acknowledged in this group's view only.
 *
 * <p><b>Reading.</b> The dead-letter topic is read as the group (the group that keeps its dead
 * letters), until nothing more arrives for a quiet period ({@link #DEFAULT_QUIET} unless
 * {@link #withQuietPeriod} chose another; {@link #DEFAULT_FIRST_WAIT} for the first letter), or sooner once
 * the adapter's consumer says it has read to the end of the topic (Kafka does:
 * {@link dev.keel.spi.BrokerConsumer#caughtUp()}). Listing acknowledges nothing, so closing
 * the read gives everything back; on RabbitMQ a listing shows at most the group's prefetch per
 * partition queue. Not thread-safe: one operation at a time.
 *
 * <p><b>Missing topics.</b> When the dead-letter topic does not exist while the topic does, no dead letter was ever
 * written: a listing is empty and a re-drive re-drives nothing, at once, creating nothing. When neither exists, both
 * fail at once with a {@link dev.keel.TopicNotFoundException} naming the topic (not retriable: check the name).
 *
 * <p><b>Readers of the dead-letter topic.</b> Letters that a subscription of the dead-letter topic in the same
 * group consumed (acknowledged, committed past) are no longer the group's: no listing or re-drive finds them, and
 * while such a subscription runs a read competes with it. Read dead letters to alert on them in a group of its own
 * (each group gets every letter); Keel logs a WARN once when one of its subscriptions reads a dead-letter topic in
 * the group that keeps it, and a read that finds none of the group's letters says so at INFO.
 */
public interface DeadLetters {

    /** How long a read waits for the first dead letter (while its consumer joins) before it takes the topic as empty. */
    Duration DEFAULT_FIRST_WAIT = Duration.ofSeconds(30);
    /** How long a read waits for the next dead letter before it takes the topic as read to its end. */
    Duration DEFAULT_QUIET = Duration.ofSeconds(3);

    /** The dead-letter topic read. */
    String deadLetterTopic();

    /** The consumer group whose dead letters these are. */
    String group();

    /**
     * The group's dead letters matching {@code filter}, oldest first per partition; none is removed. A listing that
     * could not read some partitions (another member of the group held them) lists the others' letters and logs the
     * partitions at WARN; {@link #listing} says which.
     */
    default List<DeadLetter> list(DeadLetterFilter filter) {
        return listing(filter).letters();
    }

    /** {@link #list}, with the partitions it could not read. */
    DeadLetterListing listing(DeadLetterFilter filter);

    /**
     * Re-drives the group's dead letters matching {@code filter} to their origin topic, telling
     * {@code listener} after each; returns the totals.
     */
    RedriveResult redrive(DeadLetterFilter filter, RedriveListener listener);

    /** How long a read waits for the next dead letter before it takes the topic as read to its end. */
    Duration quietPeriod();

    /**
     * The same dead letters, read with another quiet period: shorter where the broker is near and
     * quick (a local broker, a test), longer where letters may arrive in bursts far apart (a loaded
     * broker far away). Too short a period ends a read before every letter arrived: what was not read
     * stays on the dead-letter topic, for the next read.
     *
     * @throws IllegalArgumentException when {@code quiet} is not between 1 ms and 1 hour
     */
    DeadLetters withQuietPeriod(Duration quiet);

    /** The dead letter of message {@code id}, if the group has one. */
    default Optional<DeadLetter> find(String id) {
        return list(DeadLetterFilter.all().withId(id)).stream().findFirst();
    }
}
