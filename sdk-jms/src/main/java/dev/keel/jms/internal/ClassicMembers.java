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

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The members of a group on ActiveMQ Classic, from the broker's consumer advisories of the group's queue: subscribing
 * replays the queue's consumers, then each consumer added or removed is reported. A member is a connection with a
 * consumer on the queue (not a browser, not the taker of a declared queue's anchor). Classic keeps a message group on
 * the consumer that took it first, so a member hands its groups back when it holds more than its share,
 * {@code ceil(partitions / members)}: asked at once when a member joins (a connection never seen before), else at most
 * every {@link #CHECK_INTERVAL}, and never twice within {@link #MIN_GAP}. A member that holds nothing when another
 * joins (no message came yet) hands nothing back, and nor does one that received a message delivered again within
 * the last {@link #CHECK_INTERVAL}: the broker appends a closed consumer's messages to those it has waiting to be
 * delivered again, so closing while messages another member held still wait would put this member's behind them. Subscribed before the member's own consumer is made, so every
 * consumer reported after the own one came later than this member.
 */
final class ClassicMembers implements Membership {
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);
    static final Duration MIN_GAP = Duration.ofSeconds(2);

    private final String queue;
    private final IntSupplier partitions;
    private final LongSupplier nanos;
    /** The other members' consumers and their connections; touched under this object's lock. */
    private final Map<ConsumerId, ConnectionId> others = new HashMap<>();
    /** Every connection seen with a consumer on the queue since {@link #watch}: a join is one never seen. */
    private final Set<ConnectionId> seen = new HashSet<>();
    private ConnectionId own;
    private boolean ownSeen;
    private boolean joined;
    private int partitionCount;
    private long nextCheck;
    private long lastHandBack;

    ClassicMembers(String queue, IntSupplier partitions, LongSupplier nanos) {
        this.queue = queue;
        this.partitions = partitions;
        this.nanos = nanos;
    }

    @Override
    public void watch(Connection connection) throws JMSException {
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        ConnectionId ownId = ((ActiveMQConnection) connection).getConnectionInfo().getConnectionId();
        int count = Math.max(1, partitions.getAsInt());
        synchronized (this) {
            others.clear();
            seen.clear();
            own = ownId;
            ownSeen = false;
            joined = false;
            partitionCount = count;
            nextCheck = nanos.getAsLong() + CHECK_INTERVAL.toNanos();
            lastHandBack = nanos.getAsLong() - MIN_GAP.toNanos();
        }
        session.createConsumer(AdvisorySupport.getConsumerAdvisoryTopic(new ActiveMQQueue(queue)))
                .setMessageListener(this::apply);
    }

    @Override
    public synchronized boolean shouldHandBack(int heldGroups, long lastRedelivered) {
        long now = nanos.getAsLong();
        if (!joined && now - nextCheck < 0) {
            return false;
        }
        joined = false;
        nextCheck = now + CHECK_INTERVAL.toNanos();
        int members = 1 + (int) others.values().stream().distinct().count();
        int share = (partitionCount + members - 1) / members;
        if (members < 2 || heldGroups <= share || now - lastHandBack < MIN_GAP.toNanos()) {
            return false;
        }
        if (lastRedelivered != Long.MIN_VALUE && now - lastRedelivered < CHECK_INTERVAL.toNanos()) {
            // messages of this member's groups that another member held may still wait at the broker: closing now
            // would put what this member holds back behind them (the broker appends a closed consumer's messages to
            // those waiting to be delivered again), so its keys would go out of order; ask again later
            nextCheck = now + CHECK_INTERVAL.toNanos();
            return false;
        }
        lastHandBack = now;
        return true;
    }

    /**
     * Whether a consumer advisory reports a consumer that reads the queue: not a browser, not the taker of a declared
     * queue's anchor ({@code ClassicAdmin}).
     */
    static boolean isMember(Message message) {
        return message instanceof ActiveMQMessage advisory && advisory.getDataStructure() instanceof ConsumerInfo info
                && !info.isBrowser() && (info.getSelector() == null || !info.getSelector().startsWith(ClassicNames.ANCHOR));
    }

    private synchronized void apply(Message message) {
        if (!(message instanceof ActiveMQMessage advisory)) {
            return;
        }
        if (isMember(message)) {
            ConsumerInfo info = (ConsumerInfo) advisory.getDataStructure();
            ConnectionId connection = info.getConsumerId().getParentId().getParentId();
            if (connection.equals(own)) {
                ownSeen = true;
                return;
            }
            others.put(info.getConsumerId(), connection);
            if (seen.add(connection) && ownSeen) {
                joined = true;
            }
        } else if (advisory.getDataStructure() instanceof RemoveInfo remove && remove.getObjectId() instanceof ConsumerId id) {
            others.remove(id);
        }
    }
}
