package dev.keel.jms.internal;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import dev.keel.spi.OutboundRecord;

/**
 * One publishing session and its producer, used by one thread only. Its send is synchronous and
 * persistent: it returns once the broker has stored the message (Artemis's {@code blockOnDurableSend}).
 * A failure closes the session; the next send opens a new one.
 */
final class SendLane implements AutoCloseable {
    private final ConnectionFactory factory;
    private final String username;
    private final String password;
    private Connection connection;
    private Session session;
    private MessageProducer producer;

    SendLane(ConnectionFactory factory, String username, String password) {
        this.factory = factory;
        this.username = username;
        this.password = password;
    }

    void send(OutboundRecord record) throws JMSException {
        try {
            open();
            producer.send(session.createTopic(record.topic()), JmsMessages.toMessage(session, record),
                    DeliveryMode.PERSISTENT, JmsMessages.priorityOf(record), 0);
        } catch (JMSException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void open() throws JMSException {
        if (session != null) {
            return;
        }
        connection = username == null ? factory.createConnection() : factory.createConnection(username, password);
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        producer = session.createProducer(null);
        producer.setDisableMessageID(false);
    }

    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        session = null;
        producer = null;
        if (c != null) {
            try {
                c.close();
            } catch (JMSException | RuntimeException ignored) {
                // the connection is gone already
            }
        }
    }
}
