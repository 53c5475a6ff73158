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
import org.apache.activemq.command.ConsumerId;
import org.apache.activemq.command.ConsumerInfo;
import org.apache.activemq.command.RemoveInfo;

import java.util.HashMap;
import java.util.Map;

/**
 * The other members of a group on ActiveMQ Classic, from the broker's consumer advisories of the
 * group's queue: subscribing replays the queue's consumers, then each consumer added or removed is
 * reported. A member is a connection with a consumer on the queue; this member's own connection
 * (whose consumer it closes and opens again when it hands its keys back) never counts as a join.
 * Subscribed before the member's own consumer is made, so every consumer reported after the own
 * one came later than this member: a connection among those that had no consumer before is a join.
 */
final class ClassicMembers implements Membership {
    private final String queue;
    /** The consumers of the queue and their connections; touched by the advisory listener only. */
    private final Map<ConsumerId, ConnectionId> consumers = new HashMap<>();
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
            consumers.clear();
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
        if (advisory.getDataStructure() instanceof ConsumerInfo info) {
            ConnectionId connection = info.getConsumerId().getParentId().getParentId();
            if (connection.equals(own)) {
                ownSeen = true;
                return;
            }
            boolean isNew = !consumers.containsValue(connection);
            consumers.put(info.getConsumerId(), connection);
            if (ownSeen && isNew) {
                joined = true;
            }
        } else if (advisory.getDataStructure() instanceof RemoveInfo remove && remove.getObjectId() instanceof ConsumerId id) {
            consumers.remove(id);
        }
    }
}
