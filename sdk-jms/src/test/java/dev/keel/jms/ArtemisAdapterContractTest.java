package dev.keel.jms;

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
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;
import org.junit.jupiter.api.Tag;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The whole contract on the harness's ActiveMQ Artemis. Artemis sets no small limit on ids or header
 * names (they are probed up to 64 KiB); payloads are refused by the adapter past
 * {@link ArtemisConfig#maxMessageBytes()}, set to 1 MiB here. Raw messages come from a plain Jakarta
 * Messaging producer, their headers as byte properties (which handlers see decoded as UTF-8, each
 * malformed sequence replaced by U+FFFD) and the key as the message group.
 */
@UsesBrokers(BrokerKind.ARTEMIS)
@Tag("containers") // also in the containers suite (-Pcontainers): the same tests on containers
class ArtemisAdapterContractTest extends AdapterContract {

    private static final int PROBED_STRING_BYTES = 64 * 1024;

    @Override
    protected BrokerAdapter createAdapter() {
        return new ArtemisAdapter(ArtemisTestSupport.config().build());
    }

    @Override
    protected InputLimits inputLimits() {
        return new InputLimits(Limit.notProbedAbove(PROBED_STRING_BYTES), Limit.notProbedAbove(PROBED_STRING_BYTES),
                new Limit(ArtemisTestSupport.MAX_MESSAGE_BYTES, ArtemisTestSupport.MAX_MESSAGE_BYTES + 1));
    }

    @Override
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(ArtemisTestSupport.config().build().url());
             Connection connection = factory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            BytesMessage message = session.createBytesMessage();
            message.writeBytes(payload);
            headers.forEach((name, value) ->
                    ((ActiveMQMessage) message).getCoreMessage().putBytesProperty(SimpleString.of(name), value));
            if (key != null) {
                message.setStringProperty("JMSXGroupID", key);
            }
            session.createProducer(session.createTopic(toTopic))
                    .send(message, DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, 0);
        }
    }

    @Override
    protected String textOfNonUtf8(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }
}
