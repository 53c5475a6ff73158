package dev.keel.jms.internal;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.advisory.AdvisorySupport;
import org.apache.activemq.command.ActiveMQMessage;
import org.apache.activemq.command.ActiveMQQueue;
import org.apache.activemq.command.ConnectionId;
import org.apache.activemq.command.ConsumerInfo;

import java.util.HashSet;
import java.util.Set;

/**
 * The other members of a group on ActiveMQ Classic, from the broker's consumer advisories of the
 * group's queue: subscribing replays the queue's consumers, then each consumer added or removed is
 * reported. A member is a connection with a consumer on the queue; this member's own connection
 * never counts as a join. Subscribed before the member's own consumer is made, so every consumer
 * reported after the own one came later than this member: a connection never seen before is a join.
 * Never seen at all, not only absent now: a member hands its keys back by closing its consumer and
 * opening another on the same connection, and counting its return as a join made two members hand
 * their keys back to each other without end. A member that lost its connection comes back on a new
 * one, which is a join.
 */
final class ClassicMembers implements Membership {
    private final String queue;
    /** The connections seen with a consumer on the queue since {@link #watch}; touched by the advisory listener only. */
    private final Set<ConnectionId> seen = new HashSet<>();
    private ConnectionId own;
    private boolean ownSeen;
    private volatile boolean joined;

    ClassicMembers(String queue) {
        this.queue = queue;
    }

    @Override
    public void watch(Connection connection) throws JMSException {
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        ConnectionId ownId = ((ActiveMQConnection) connection).getConnectionInfo().getConnectionId();
        synchronized (this) {
            seen.clear();
            own = ownId;
            ownSeen = false;
            joined = false;
        }
        session.createConsumer(AdvisorySupport.getConsumerAdvisoryTopic(new ActiveMQQueue(queue)))
                .setMessageListener(this::apply);
    }

    @Override
    public boolean joined() {
        if (joined) {
            joined = false;
            return true;
        }
        return false;
    }

    private synchronized void apply(Message message) {
        if (!(message instanceof ActiveMQMessage advisory)) {
            return;
        }
        if (advisory.getDataStructure() instanceof ConsumerInfo info && !info.isBrowser()
                && (info.getSelector() == null || !info.getSelector().startsWith(ClassicNames.ANCHOR))) {
            // a browser, or the taker of a declared queue's anchor (ClassicAdmin), is no member
            ConnectionId connection = info.getConsumerId().getParentId().getParentId();
            if (connection.equals(own)) {
                ownSeen = true;
                return;
            }
            if (seen.add(connection) && ownSeen) {
                joined = true;
            }
        }
    }
}
