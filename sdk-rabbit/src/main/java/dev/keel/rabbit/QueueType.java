package dev.keel.rabbit;

import java.util.Locale;

/** The RabbitMQ queue type of the lane and dead-letter queues Keel declares. */
public enum QueueType {
    /** Replicated Raft queues: the default, the durable choice; they report {@code x-delivery-count}. */
    QUORUM,
    /** Classic queues: for brokers or policies without quorum queues; redeliveries are counted as 2. */
    CLASSIC;

    /** The {@code x-queue-type} argument value. */
    public String argument() {
        return name().toLowerCase(Locale.ROOT);
    }
}
