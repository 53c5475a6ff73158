package dev.keel.jms.internal;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.activemq.advisory.AdvisorySupport;
import org.apache.activemq.command.ActiveMQMessage;
import org.apache.activemq.command.DestinationInfo;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The names of the queues an ActiveMQ Classic broker has, as its destination advisories tell them:
 * subscribing to {@code ActiveMQ.Advisory.Queue} replays every existing queue, then reports each
 * queue added or removed. The subscription is made on a connection that dispatches synchronously
 * ({@code dispatchAsync=false}, {@code alwaysSessionAsync=false}), so the broker has sent, and the
 * client queued, the whole replay before {@code createConsumer} returns: the first view is complete.
 */
final class QueueView {
    private final Set<String> queues = ConcurrentHashMap.newKeySet();
    private MessageConsumer consumer;

    /** Takes the broker's queues and follows their changes on {@code session} (of a synchronous connection). */
    void open(Session session) throws JMSException {
        queues.clear();
        consumer = session.createConsumer(AdvisorySupport.QUEUE_ADVISORY_TOPIC);
        Message replayed;
        while ((replayed = consumer.receiveNoWait()) != null) {
            apply(replayed);
        }
        consumer.setMessageListener(this::apply);
    }

    boolean contains(String queue) {
        return queues.contains(queue);
    }

    Set<String> names() {
        return Set.copyOf(queues);
    }

    /** Records what this process declared or deleted at once, before the broker's advisory of it arrives. */
    void added(String queue) {
        queues.add(queue);
    }

    void removed(String queue) {
        queues.remove(queue);
    }

    private void apply(Message message) {
        if (message instanceof ActiveMQMessage advisory && advisory.getDataStructure() instanceof DestinationInfo info
                && info.getDestination() != null && info.getDestination().isQueue()) {
            String name = info.getDestination().getPhysicalName();
            if (info.isAddOperation()) {
                queues.add(name);
            } else if (info.isRemoveOperation()) {
                queues.remove(name);
            }
        }
    }
}
