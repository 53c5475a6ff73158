package dev.keel.jms.internal;

import jakarta.jms.JMSException;
import jakarta.jms.Message;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a member holds since its consumer opened: the message groups the broker gave it, and the messages it handed
 * the engine that are not acknowledged yet. Used by the consuming thread; the engine's acknowledgements count down
 * the counter of the consumer they belong to.
 */
final class Holdings {
    private final Set<String> groups = new HashSet<>();
    private AtomicInteger unacknowledged = new AtomicInteger();
    /** When the last message the broker delivered again came ({@link System#nanoTime()}), or never. */
    private long lastRedelivered = Long.MIN_VALUE;

    /** A message handed to the engine: returns the counter its acknowledgement counts down. */
    AtomicInteger handed(Message message) throws JMSException {
        String group = message.getStringProperty(JmsMessages.GROUP_ID);
        if (group != null) {
            groups.add(group);
        }
        if (message.getJMSRedelivered()) {
            lastRedelivered = System.nanoTime();
        }
        unacknowledged.incrementAndGet();
        return unacknowledged;
    }

    /** When the last message delivered again came ({@link System#nanoTime()}), or {@link Long#MIN_VALUE}. */
    long lastRedelivered() {
        return lastRedelivered;
    }

    /** The message groups the broker gave this consumer. */
    int groups() {
        return groups.size();
    }

    /** Whether every message handed to the engine was acknowledged. */
    boolean settled() {
        return unacknowledged.get() <= 0;
    }

    /** A new consumer: it holds nothing yet (a late acknowledgement counts down the old counter). */
    void reset() {
        groups.clear();
        unacknowledged = new AtomicInteger();
    }
}
