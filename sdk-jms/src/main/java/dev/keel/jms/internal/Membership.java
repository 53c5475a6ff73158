package dev.keel.jms.internal;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;

/**
 * A member's view of the other members of its group, for brokers that keep each key on the member
 * that first took it, so that a member that joins would otherwise get no key: a member that holds
 * more than its share of the partitions hands its keys back (its consumer closed and opened again),
 * and the broker deals them out again over all members. Used by the consuming thread.
 */
public interface Membership {
    /** No watch: the broker itself shares the keys out again when a member joins. */
    Membership NONE = new Membership() {
        @Override
        public void watch(Connection connection) {
        }

        @Override
        public boolean shouldHandBack(int heldGroups, long lastRedelivered) {
            return false;
        }
    };

    /**
     * Starts watching on {@code connection} (again after a new connection), before the member's own consumer of the
     * group's queue is made on it.
     */
    void watch(Connection connection) throws JMSException;

    /**
     * Whether this member, holding {@code heldGroups} message groups, should hand them back now: it holds more than its
     * share of the partitions among the members there are, asked at once when a member joins and now and then, and
     * no message came again lately ({@code lastRedelivered}, {@link System#nanoTime()}, or {@link Long#MIN_VALUE}).
     */
    boolean shouldHandBack(int heldGroups, long lastRedelivered);
}
