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
import jakarta.jms.Session;
import jakarta.jms.StreamMessage;
import jakarta.jms.TextMessage;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Keel records to Jakarta Messaging messages and back, the part every ActiveMQ line shares; the
 * {@link JmsDialect} writes and reads the properties. Keel's headers travel as message properties
 * under their own names ({@code keel-id}, which plain JMS clients read with
 * {@code getStringProperty("keel-id")}); the key also decides the message group ({@code JMSXGroupID}),
 * which keeps one key on one consumer of a group.
 */
public final class JmsMessages {
    public static final String GROUP_ID = "JMSXGroupID";
    /**
     * Set on a received message that is not a {@code BytesMessage}: {@code text} (its payload is the text in UTF-8),
     * {@code object}, {@code map}, {@code stream} (their payload is the broker's encoding of the body, as stored) or
     * {@code message} (no body: an empty payload).
     */
    public static final String JMS_TYPE_HEADER = "jms-body";

    private JmsMessages() {
    }

    /** A bytes message carrying the record's payload, headers, group and delivery time. */
    public static BytesMessage toMessage(JmsDialect dialect, Session session, OutboundRecord record, int partitions)
            throws JMSException {
        BytesMessage message = session.createBytesMessage();
        message.writeBytes(record.payload());
        dialect.write(message, record, partitions);
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
    public static InboundRecord toRecord(JmsDialect dialect, String topic, String partition, long position,
                                         Message message, InboundRecord.Acknowledger acknowledger) throws JMSException {
        Map<String, String> headers = dialect.properties(message);
        String nativeId = message.getJMSMessageID() != null ? message.getJMSMessageID() : "jms:" + partition + ":" + position;
        String id = InboundIds.idOf(headers, nativeId);
        String key = headers.get(KeelHeaders.KEY);
        if (key == null) {
            key = message.getStringProperty(GROUP_ID);
        }
        byte[] payload = payload(dialect, message, headers);
        int deliveries = message.propertyExists("JMSXDeliveryCount") ? message.getIntProperty("JMSXDeliveryCount") : 1;
        return new InboundRecord(topic, partition, position, id, key, headers, payload, timestamp(headers, message),
                Math.max(1, deliveries), acknowledger);
    }

    private static byte[] payload(JmsDialect dialect, Message message, Map<String, String> headers)
            throws JMSException {
        if (message instanceof BytesMessage bytes) {
            byte[] payload = new byte[(int) bytes.getBodyLength()];
            bytes.readBytes(payload);
            return payload;
        }
        if (message instanceof TextMessage text) {
            headers.put(JMS_TYPE_HEADER, "text");
            return text.getText() == null ? new byte[0] : text.getText().getBytes(StandardCharsets.UTF_8);
        }
        headers.put(JMS_TYPE_HEADER, message instanceof ObjectMessage ? "object" : message instanceof MapMessage ? "map"
                : message instanceof StreamMessage ? "stream" : "message");
        return dialect.encodedBody(message);
    }

    /** Whether {@code name} is one the broker reads as its own ({@link JmsDialect#reservedPrefixes()}). */
    static boolean reserved(JmsDialect dialect, String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (String prefix : dialect.reservedPrefixes()) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return false;
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
