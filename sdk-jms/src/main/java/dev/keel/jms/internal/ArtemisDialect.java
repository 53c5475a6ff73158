package dev.keel.jms.internal;

import dev.keel.KeelHeaders;
import dev.keel.jms.ArtemisConfig;
import dev.keel.spi.OutboundRecord;
import jakarta.jms.CompletionListener;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSConstants;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * ActiveMQ Artemis: a topic is a multicast address of its name, a group the queue {@code <topic>.<group>}
 * on it ({@link Names}); Keel's headers are set on the core message, since a JMS property name must
 * be a Java identifier and Keel's are not; the key is the message group itself, which the group
 * queue hashes into its buckets (the partitions), and a delivery time is the scheduled delivery
 * ({@code _AMQ_SCHEDULED_DELIVERY}). The broker rebalances a group's buckets when a member joins.
 */
public final class ArtemisDialect implements JmsDialect {
    /** Artemis's scheduled delivery time, in epoch milliseconds. */
    public static final String SCHEDULED_DELIVERY = "_AMQ_SCHED_DELIVERY";
    private static final List<String> RESERVED_PREFIXES = List.of("jms", "_amq", "__amq", "_hq");

    private final JmsSettings settings;
    private final JmsErrors errors;

    public ArtemisDialect(ArtemisConfig config) {
        this.settings = new JmsSettings(config.username().orElse(null), config.password().orElse(null),
                config.sendLanes(), config.maxMessageBytes(), config.closeTimeout(), "ArtemisConfig", "keel.artemis");
        this.errors = new JmsErrors(new ArtemisErrors(config.url()), settings);
    }

    @Override
    public JmsSettings settings() {
        return settings;
    }

    @Override
    public JmsErrors errors() {
        return errors;
    }

    @Override
    public Destination topic(Session session, String topic) throws JMSException {
        return session.createTopic(topic);
    }

    @Override
    public Destination groupQueue(Session session, String topic, String group) throws JMSException {
        return session.createQueue(Names.qualified(topic, Names.groupQueue(topic, group)));
    }

    @Override
    public String groupQueueName(String topic, String group) {
        return Names.groupQueue(topic, group);
    }

    @Override
    public int individualAcknowledge() {
        return ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE;
    }

    @Override
    public void write(Message message, OutboundRecord record, int partitions) throws JMSException {
        var core = ((ActiveMQMessage) message).getCoreMessage();
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            core.putStringProperty(SimpleString.of(header.getKey()), SimpleString.of(header.getValue()));
        }
        core.putStringProperty(SimpleString.of(KeelHeaders.ID), SimpleString.of(record.id()));
        if (record.key() != null) {
            message.setStringProperty(JmsMessages.GROUP_ID, record.key());
        }
        if (record.deliverAt() != null) {
            core.putLongProperty(SimpleString.of(SCHEDULED_DELIVERY), record.deliverAt().toEpochMilli());
        }
    }

    /**
     * Jakarta Messaging's asynchronous send with a {@code CompletionListener}. Artemis's client calls the listener
     * with the broker's answer to the send, which the broker gives once the message is stored, only when the
     * connection has a confirmation window ({@code confirmationWindowSize}, which the publishing connections have);
     * without one it would call it as soon as the message is written to the socket.
     */
    @Override
    public void sendAsync(MessageProducer producer, Destination destination, Message message, int priority,
                          SendOutcome outcome) throws JMSException {
        producer.send(destination, message, DeliveryMode.PERSISTENT, priority, 0, new CompletionListener() {
            @Override
            public void onCompletion(Message sent) {
                outcome.stored();
            }

            @Override
            public void onException(Message sent, Exception e) {
                outcome.failed(e);
            }
        });
    }

    @Override
    public Map<String, String> properties(Message message) {
        var core = ((ActiveMQMessage) message).getCoreMessage();
        Map<String, String> headers = new HashMap<>();
        for (SimpleString name : core.getPropertyNames()) {
            String text = name.toString();
            Object value = core.getObjectProperty(name);
            if (value != null && !JmsMessages.reserved(this, text)) {
                headers.put(text, value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                        : value.toString());
            }
        }
        return headers;
    }

    @Override
    public byte[] encodedBody(Message message) {
        ActiveMQBuffer body = ((ActiveMQMessage) message).getCoreMessage().getReadOnlyBodyBuffer();
        byte[] raw = new byte[body.readableBytes()];
        body.readBytes(raw);
        return raw;
    }

    @Override
    public List<String> reservedPrefixes() {
        return RESERVED_PREFIXES;
    }

    @Override
    public Membership membership(String topic, String group, IntSupplier partitions) {
        return Membership.NONE;
    }
}
