package dev.keel.jms.internal;

import dev.keel.spi.OutboundRecord;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;

/**
 * One publishing session and its producer, used by one thread only. Its send is synchronous and
 * persistent: it returns once the broker has stored the message (Artemis's {@code blockOnDurableSend},
 * ActiveMQ Classic's synchronous persistent send). A failure closes the session; the next send opens
 * a new one.
 */
final class SendLane implements Lane {
    private final ConnectionFactory factory;
    private final JmsDialect dialect;
    private Connection connection;
    private Session session;
    private MessageProducer producer;
    private final Destinations destinations = new Destinations();

    SendLane(ConnectionFactory factory, JmsDialect dialect) {
        this.factory = factory;
        this.dialect = dialect;
    }

    @Override
    public void send(OutboundRecord record, int partitions, SendOutcome outcome) {
        try {
            open();
            producer.send(destinations.of(dialect, session, record.topic()),
                    JmsMessages.toMessage(dialect, session, record, partitions), DeliveryMode.PERSISTENT,
                    dialect.priority(record), 0);
        } catch (JMSException | RuntimeException e) {
            close();
            outcome.failed(e);
            return;
        }
        outcome.stored();
    }

    private void open() throws JMSException {
        if (session != null) {
            return;
        }
        connection = dialect.settings().connect(factory);
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        producer = session.createProducer(null);
        producer.setDisableMessageID(false);
    }

    /** Nothing is in flight once a send returned; a send still blocked fails when its connection closes. */
    @Override
    public void abandon() {
    }

    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        destinations.clear();
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
