package dev.keel.jms.internal;

import dev.keel.KeelHeaders;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.KeyHash;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.command.ActiveMQMessage;
import org.apache.activemq.util.ByteSequence;
import org.apache.activemq.util.JMSExceptionSupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.Set;

/**
 * ActiveMQ Classic ({@link ClassicNames}): a topic is a virtual topic, a group its consumer queue.
 * Keel's headers are message properties under their own names; the key's partition (of the topic's
 * partitions) is the message group, so a group queue has as many message groups as the topic has
 * partitions, each on one member at a time, and the key itself travels in {@code keel-key}. A
 * delivery time becomes the scheduler's {@code AMQ_SCHEDULED_DELAY}, checked first to be honoured
 * ({@link SchedulerCheck}). The broker keeps a message group on the member that first took it, so a
 * member hands its groups back when another joins ({@link ClassicMembers}).
 */
public final class ClassicDialect implements JmsDialect {
    private static final List<String> RESERVED_PREFIXES = List.of("jms", "amq_");
    /** The longest property name OpenWire writes ({@code DataOutput.writeUTF}). */
    static final int MAX_PROPERTY_NAME_BYTES = 65_535;
    /** Properties the broker adds to a message it delivers: the scheduler's job id, a dead letter's cause. */
    private static final Set<String> BROKER_PROPERTIES = Set.of(SchedulerCheck.SCHEDULED_JOB_ID,
            "dlqDeliveryFailureCause");

    private final JmsSettings settings;
    private final JmsErrors errors;
    private final SchedulerCheck scheduler;
    private final boolean prioritizedQueues;

    /** @param prioritizedQueues whether the broker orders Keel's queues by priority; if not, every send has JMS's default */
    public ClassicDialect(JmsSettings settings, ConnectionFactory factory, boolean prioritizedQueues) {
        this(settings, factory, prioritizedQueues, ClassicTls.none());
    }

    /** @param tls the adapter's TLS material, with which a refused certificate is probed as its connections are made */
    public ClassicDialect(JmsSettings settings, ConnectionFactory factory, boolean prioritizedQueues, ClassicTls tls) {
        this.settings = settings;
        this.prioritizedQueues = prioritizedQueues;
        this.errors = new JmsErrors(new ClassicErrors(factory instanceof ActiveMQConnectionFactory classic
                ? classic.getBrokerURL() : "", tls), settings);
        this.scheduler = new SchedulerCheck(factory, settings, System::nanoTime);
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
        return session.createTopic(ClassicNames.virtualTopic(topic));
    }

    @Override
    public Destination groupQueue(Session session, String topic, String group) throws JMSException {
        return session.createQueue(ClassicNames.groupQueue(topic, group));
    }

    @Override
    public String groupQueueName(String topic, String group) {
        return ClassicNames.groupQueue(topic, group);
    }

    @Override
    public int individualAcknowledge() {
        return ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE;
    }

    @Override
    public void write(Message message, OutboundRecord record, int partitions) throws JMSException {
        ActiveMQMessage classic = (ActiveMQMessage) message;
        try {
            for (Map.Entry<String, String> header : record.headers().entrySet()) {
                classic.setProperty(header.getKey(), value(header.getValue()));
            }
            classic.setProperty(KeelHeaders.ID, value(record.id()));
        } catch (IOException e) {
            throw JMSExceptionSupport.create(e);
        }
        if (record.key() != null) {
            message.setStringProperty(JmsMessages.GROUP_ID,
                    ClassicNames.messageGroup(KeyHash.laneOf(record.key(), partitions)));
        }
        long delay = delayOf(record);
        if (delay > 0) {
            message.setLongProperty(SchedulerCheck.SCHEDULED_DELAY, delay);
        }
    }

    /** The message {@code ClassicAdmin} sends to a queue it created to anchor it in the broker's journal. */
    @Override
    public boolean isHousekeeping(Message message) throws JMSException {
        return message.propertyExists(ClassicNames.ANCHOR);
    }

    /** OpenWire writes a property name as Java's modified UTF-8, at most 65,535 bytes. */
    @Override
    public String headerNameProblem(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0 || Character.isSurrogate(c)) {
                return "has a NUL or a character outside the Basic Multilingual Plane, which ActiveMQ Classic's client "
                        + "writes in a property name as modified UTF-8 and the broker gives back as U+FFFD: rename it";
            }
        }
        long bytes = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            bytes += c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
        }
        return bytes <= MAX_PROPERTY_NAME_BYTES ? null : "has a name of " + bytes + " bytes in the client's encoding (Java's "
                + "modified UTF-8), over the " + MAX_PROPERTY_NAME_BYTES + " ActiveMQ Classic's client can write: use a "
                + "shorter name";
    }

    /**
     * The record's priority where the adapter declares {@code PRIORITY}; else JMS's default, so that a priority never
     * reorders a key on a broker that does order by priority though the adapter was not told so.
     */
    @Override
    public int priority(OutboundRecord record) {
        return prioritizedQueues ? JmsMessages.priorityOf(record) : Message.DEFAULT_PRIORITY;
    }

    @Override
    public void checkSendable(OutboundRecord record) {
        if (delayOf(record) > 0) {
            scheduler.require(record.topic(), record.id());
        }
    }

    /**
     * A property value as the broker will give it back: a string, unless it holds a NUL or a character outside the
     * Basic Multilingual Plane, which OpenWire writes in Java's modified UTF-8 but reads back as standard UTF-8 (they
     * would come back as U+FFFD); those travel as their UTF-8 bytes, which {@link #properties} decodes. A plain client
     * reads such a value with {@code getObjectProperty} as a {@code byte[]}.
     */
    private static Object value(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || Character.isSurrogate(c)) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
        }
        return text;
    }

    /** The delay to the record's delivery time, in milliseconds from now; 0 when it is due or has none. */
    private static long delayOf(OutboundRecord record) {
        return record.deliverAt() == null ? 0 : Math.max(0, record.deliverAt().toEpochMilli() - System.currentTimeMillis());
    }

    @Override
    public Map<String, String> properties(Message message) throws JMSException {
        Map<String, Object> raw;
        try {
            raw = ((ActiveMQMessage) message).getProperties();
        } catch (IOException e) {
            throw JMSExceptionSupport.create(e);
        }
        Map<String, String> headers = new HashMap<>();
        raw.forEach((name, value) -> {
            if (value != null && !JmsMessages.reserved(this, name) && !BROKER_PROPERTIES.contains(name)) {
                headers.put(name, value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                        : value.toString());
            }
        });
        return headers;
    }

    @Override
    public byte[] encodedBody(Message message) {
        ByteSequence content = ((ActiveMQMessage) message).getContent();
        return content == null ? new byte[0]
                : Arrays.copyOfRange(content.getData(), content.getOffset(), content.getOffset() + content.getLength());
    }

    @Override
    public List<String> reservedPrefixes() {
        return RESERVED_PREFIXES;
    }

    @Override
    public Membership membership(String topic, String group, IntSupplier partitions) {
        return new ClassicMembers(ClassicNames.groupQueue(topic, group), partitions, System::nanoTime);
    }
}
