package dev.keel.jms.internal;

import dev.keel.spi.OutboundRecord;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * What differs between the ActiveMQ lines under the shared Jakarta Messaging code: how a topic and a
 * group's queue are named, how Keel's headers, the key and a delivery time are written on a message
 * and read back, the individual-acknowledge session mode, and the client's errors.
 */
public interface JmsDialect {
    JmsSettings settings();

    JmsErrors errors();

    /** Where a message of {@code topic} is published. */
    Destination topic(Session session, String topic) throws JMSException;

    /** The queue of {@code group} on {@code topic}, as its consumers name it. */
    Destination groupQueue(Session session, String topic, String group) throws JMSException;

    /** The name of that queue, which deliveries carry as their partition. */
    String groupQueueName(String topic, String group);

    /** The session mode that acknowledges one message at a time. */
    int individualAcknowledge();

    /** Writes the record's headers, id, key (as the message group) and delivery time on {@code message}. */
    void write(Message message, OutboundRecord record, int partitions) throws JMSException;

    /** A received message's properties but the broker's own, as strings. */
    Map<String, String> properties(Message message) throws JMSException;

    /** The stored form of a body that is neither bytes nor text (object, map, stream, none). */
    byte[] encodedBody(Message message) throws JMSException;

    /** Property name prefixes the broker reads as its own instructions (lower case): never Keel headers. */
    List<String> reservedPrefixes();

    /** The JMS priority a record is sent with. */
    default int priority(OutboundRecord record) {
        return JmsMessages.priorityOf(record);
    }

    /** Whether {@code message} is the adapter's own housekeeping, to acknowledge unhandled, not a message for the engine. */
    default boolean isHousekeeping(Message message) throws JMSException {
        return false;
    }

    /** Why the broker's client cannot carry a header of this name, or null when it can. */
    default String headerNameProblem(String name) {
        return null;
    }

    /**
     * Checks, before it is sent, what the broker would accept but not honour (a delivery time on a broker that does not
     * delay messages); throws a {@link dev.keel.PublishException} saying what to change.
     */
    default void checkSendable(OutboundRecord record) {
    }

    /**
     * Sends {@code message} persistently without waiting, and tells {@code outcome} once the broker answered: stored,
     * or refused. Only for a line whose producer pipelines its sends ({@link Pipelining}); the others send
     * synchronously.
     */
    default void sendAsync(MessageProducer producer, Destination destination, Message message, int priority,
                           SendOutcome outcome) throws JMSException {
        throw new UnsupportedOperationException("this line sends synchronously");
    }

    /**
     * Watches the members of a group's queue, where the broker does not rebalance a group when a member joins;
     * {@code partitions} gives the topic's partitions when asked.
     */
    Membership membership(String topic, String group, IntSupplier partitions);
}
