package dev.keel;

import java.util.Objects;

/**
 * A topic exists on the broker with settings other than the ones requested (partitions,
 * replication, queue arguments…), or cannot hold what a subscription needs. Keel never changes an
 * existing topic: changing its partitions would move keys to other partitions. The message names
 * what the broker has and what was requested; declare the topic as it is, delete it first
 * ({@link dev.keel.spi.TopologyAdmin#deleteTopology}) or use another name. Not retriable.
 */
public class TopologyException extends KeelException {

    private static final long serialVersionUID = 1L;

    private final String topic;

    /**
     * @param topic   the topic whose declaration conflicts
     * @param message what the broker has, what was requested, and what to do
     */
    public TopologyException(String topic, String message) {
        this(topic, message, null);
    }

    /**
     * @param topic   the topic whose declaration conflicts
     * @param message what the broker has, what was requested, and what to do
     * @param cause   the broker's refusal, if there was one
     */
    public TopologyException(String topic, String message, Throwable cause) {
        super(message, cause, false);
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    /** The topic whose declaration conflicts. */
    public String topic() {
        return topic;
    }
}
