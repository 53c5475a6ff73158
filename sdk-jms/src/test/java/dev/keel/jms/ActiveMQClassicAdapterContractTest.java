package dev.keel.jms;

import dev.keel.jms.internal.ClassicNames;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.AdapterContract;
import dev.keel.testkit.contract.InputLimits;
import dev.keel.testkit.contract.InputLimits.Limit;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.command.ActiveMQMessage;
import org.junit.jupiter.api.Tag;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The whole contract on the harness's ActiveMQ Classic. Ids and keys are probed up to 64 KiB (the
 * broker sets no smaller limit); header names up to 65,535 bytes, the most its client writes, and
 * refused past it by the adapter; payloads are refused by the adapter past
 * {@link ActiveMQClassicConfig#maxMessageBytes()}, set to 1 MiB here. Raw messages come from a plain
 * Jakarta Messaging producer sending to the topic's virtual topic, their headers as byte properties
 * (which handlers see decoded as UTF-8, each malformed sequence replaced by U+FFFD) and the key as
 * the message group.
 */
@UsesBrokers(BrokerKind.ACTIVEMQ)
@Tag("containers") // also in the containers suite (-Pcontainers): the same tests on containers
class ActiveMQClassicAdapterContractTest extends AdapterContract {

    private static final int PROBED_STRING_BYTES = 64 * 1024;
    /** OpenWire writes a property name with {@code DataOutput.writeUTF}: the adapter refuses longer ones. */
    private static final int MAX_PROPERTY_NAME_BYTES = 65_535;

    @Override
    protected BrokerAdapter createAdapter() {
        return new ActiveMQClassicAdapter(ClassicTestSupport.config().build());
    }

    @Override
    protected InputLimits inputLimits() {
        return new InputLimits(Limit.notProbedAbove(PROBED_STRING_BYTES), Limit.atMost(MAX_PROPERTY_NAME_BYTES),
                new Limit(ClassicTestSupport.MAX_MESSAGE_BYTES, ClassicTestSupport.MAX_MESSAGE_BYTES + 1));
    }

    @Override
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(ClassicTestSupport.config().build().url());
        try (Connection connection = factory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            BytesMessage message = session.createBytesMessage();
            message.writeBytes(payload);
            for (Map.Entry<String, byte[]> header : headers.entrySet()) {
                ((ActiveMQMessage) message).setProperty(header.getKey(), header.getValue());
            }
            if (key != null) {
                message.setStringProperty("JMSXGroupID", key);
            }
            session.createProducer(session.createTopic(ClassicNames.virtualTopic(toTopic)))
                    .send(message, DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, 0);
        }
    }

    @Override
    protected String textOfNonUtf8(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }
}
