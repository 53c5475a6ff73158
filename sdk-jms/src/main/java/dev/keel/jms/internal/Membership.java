package dev.keel.jms.internal;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;

/**
 * A member's view of the other members of its group, for brokers that keep each key on the member
 * that first took it, so that a member that joins would otherwise get no key: when another member
 * joins, this member hands its keys back (its consumer closed and opened again), and the broker deals
 * them out again over all members. Used by the consuming thread only, but for {@link #joined()}.
 */
public interface Membership {
    /** No watch: the broker itself shares the keys out again when a member joins. */
    Membership NONE = new Membership() {
        @Override
        public void watch(Connection connection) {
        }

        @Override
        public boolean joined() {
            return false;
        }
    };

    /**
     * Starts watching on {@code connection} (again after a new connection), before the member's own consumer of the
     * group's queue is made on it.
     */
    void watch(Connection connection) throws JMSException;

    /** True, once, when another member joined since the last call. */
    boolean joined();
}
