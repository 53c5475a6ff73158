package dev.keel.jms.internal;

import dev.keel.KeelHeaders;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.InboundIds;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.MapMessage;
import jakarta.jms.Message;
import jakarta.jms.ObjectMessage;
import jakarta.jms.StreamMessage;
import jakarta.jms.TextMessage;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Keel records to Jakarta Messaging messages and back. Keel's headers travel as message properties
 * under their own names: set on Artemis's core message, since a JMS property name must be a Java
 * identifier and Keel's ({@code keel-id}) are not; plain JMS clients read them with
 * {@code getStringProperty("keel-id")}. The key is also the message group ({@code JMSXGroupID}), which
 * keeps one key on one consumer of a group.
 */
public final class JmsMessages {
    /** Artemis's scheduled delivery time, in epoch milliseconds. */
    public static final String SCHEDULED_DELIVERY = "_AMQ_SCHED_DELIVERY";
    public static final String GROUP_ID = "JMSXGroupID";
    /**
     * Set on a received message that is not a {@code BytesMessage}: {@code text} (its payload is the text in UTF-8),
     * {@code object}, {@code map}, {@code stream} (their payload is the broker's encoding of the body, as stored) or
     * {@code message} (no body: an empty payload).
     */
    public static final String JMS_TYPE_HEADER = "jms-body";
    /** Property names the broker reads as its own (lower case): never Keel headers. */
    static final String[] RESERVED_PREFIXES = {"jms", "_amq", "__amq", "_hq"};

    private JmsMessages() {
    }

    /** A bytes message carrying the record's payload, headers, group and scheduled time. */
    public static BytesMessage toMessage(Session session, OutboundRecord record) throws JMSException {
        BytesMessage message = session.createBytesMessage();
        message.writeBytes(record.payload());
        var core = ((ActiveMQMessage) message).getCoreMessage();
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            core.putStringProperty(SimpleString.of(header.getKey()), SimpleString.of(header.getValue()));
        }
        core.putStringProperty(SimpleString.of(KeelHeaders.ID), SimpleString.of(record.id()));
        if (record.key() != null) {
            message.setStringProperty(GROUP_ID, record.key());
        }
        if (record.deliverAt() != null) {
            core.putLongProperty(SimpleString.of(SCHEDULED_DELIVERY), record.deliverAt().toEpochMilli());
        }
        return message;
    }

    /** The JMS priority of a record: its {@code keel-priority} header within [0, 9], else 4, JMS's default. */
    public static int priorityOf(OutboundRecord record) {
        String value = record.headers().get(KeelHeaders.PRIORITY);
        if (value == null) {
            return Message.DEFAULT_PRIORITY;
        }
        try {
            return Math.max(0, Math.min(9, Integer.parseInt(value.trim())));
        } catch (NumberFormatException e) {
            return Message.DEFAULT_PRIORITY;
        }
    }

    /**
     * The received message as the engine's record; {@code acknowledger} acknowledges this message only. Every kind of
     * message becomes a record (see {@link #JMS_TYPE_HEADER}): one a plain client sent that Keel cannot read as bytes
     * must reach the handler, or its dead letters, and never hold up the group.
     */
    public static InboundRecord toRecord(String topic, String partition, long position, Message message,
                                         InboundRecord.Acknowledger acknowledger) throws JMSException {
        Map<String, String> headers = headers(message);
        String nativeId = message.getJMSMessageID() != null ? message.getJMSMessageID() : "jms:" + partition + ":" + position;
        String id = InboundIds.idOf(headers, nativeId);
        String key = headers.get(KeelHeaders.KEY);
        if (key == null) {
            key = message.getStringProperty(GROUP_ID);
        }
        byte[] payload = payload(message, headers);
        int deliveries = message.propertyExists("JMSXDeliveryCount") ? message.getIntProperty("JMSXDeliveryCount") : 1;
        return new InboundRecord(topic, partition, position, id, key, headers, payload, timestamp(headers, message),
                Math.max(1, deliveries), acknowledger);
    }

    private static byte[] payload(Message message, Map<String, String> headers) throws JMSException {
        if (message instanceof BytesMessage bytes) {
            return body(bytes);
        }
        if (message instanceof TextMessage text) {
            headers.put(JMS_TYPE_HEADER, "text");
            return text.getText() == null ? new byte[0] : text.getText().getBytes(StandardCharsets.UTF_8);
        }
        headers.put(JMS_TYPE_HEADER, message instanceof ObjectMessage ? "object" : message instanceof MapMessage ? "map"
                : message instanceof StreamMessage ? "stream" : "message");
        ActiveMQBuffer body = ((ActiveMQMessage) message).getCoreMessage().getReadOnlyBodyBuffer();
        byte[] raw = new byte[body.readableBytes()];
        body.readBytes(raw);
        return raw;
    }

    private static byte[] body(BytesMessage message) throws JMSException {
        long length = message.getBodyLength();
        byte[] payload = new byte[(int) length];
        message.readBytes(payload);
        return payload;
    }

    private static Map<String, String> headers(Message message) {
        var core = ((ActiveMQMessage) message).getCoreMessage();
        Map<String, String> headers = new HashMap<>();
        for (SimpleString name : core.getPropertyNames()) {
            String text = name.toString();
            String lower = text.toLowerCase(Locale.ROOT);
            boolean reserved = false;
            for (String prefix : RESERVED_PREFIXES) {
                reserved |= lower.startsWith(prefix);
            }
            Object value = core.getObjectProperty(name);
            if (!reserved && value != null) {
                headers.put(text, value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                        : value.toString());
            }
        }
        return headers;
    }

    private static Instant timestamp(Map<String, String> headers, Message message) throws JMSException {
        String ts = headers.get(KeelHeaders.TIMESTAMP);
        if (ts != null) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(ts.trim()));
            } catch (NumberFormatException ignored) {
                // fall through to the message's own time
            }
        }
        long sent = message.getJMSTimestamp();
        return sent > 0 ? Instant.ofEpochMilli(sent) : Instant.now();
    }
}
