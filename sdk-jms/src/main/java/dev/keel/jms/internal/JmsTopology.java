package dev.keel.jms.internal;

import dev.keel.TopicSpec;

import java.util.Optional;

/**
 * Topics and groups on one ActiveMQ line's broker: Jakarta Messaging has no topology API, so each
 * line declares, reads and deletes them its own way.
 */
public interface JmsTopology extends AutoCloseable {
    /**
     * Declares the topic and a queue per group. A group that exists with another partition count fails with a
     * {@link dev.keel.TopologyException} and changes nothing.
     */
    void ensure(TopicSpec topic);

    /**
     * Makes sure the group's queue exists on an existing topic; a topic that does not exist fails with
     * {@link dev.keel.TopicNotFoundException}. True when this call created the queue.
     */
    boolean ensureGroup(String topic, String group);

    /** Deletes the queue of {@code group} that a refused subscribe created, unless something uses it. Best effort. */
    void removeUnusedGroup(String topic, String group);

    /** Makes sure the dead-letter topic exists and keeps a queue for {@code group}, with the partitions of {@code origin}. */
    void ensureDeadLetters(String deadLetterTopic, String group, String origin);

    /** The topic's partitions and groups; empty when it does not exist. */
    Optional<TopicSpec> describe(String topic);

    /** The topic's partitions when it exists and routes to at least one group's queue, else 0. */
    int routablePartitions(String topic);

    /** Deletes the topic's queues, with their messages, and the topic; nothing there is fine. */
    void delete(String topic);

    @Override
    void close();
}
