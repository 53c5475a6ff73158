package dev.keel.jms.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.PublishException;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether the ActiveMQ Classic broker delays messages at all: its scheduler is off unless the broker
 * is configured with {@code schedulerSupport="true"}, and a broker without it delivers a delayed
 * message at once, silently. Found out once with a probe: a message with a 1 ms delay sent to a
 * temporary queue comes back carrying {@code scheduledJobId} only when the scheduler delivered it.
 * A broker with the scheduler is remembered; one without it is asked again after a while.
 */
final class SchedulerCheck {
    static final String SCHEDULED_DELAY = "AMQ_SCHEDULED_DELAY";
    static final String SCHEDULED_JOB_ID = "scheduledJobId";
    private static final Duration PROBE_WAIT = Duration.ofSeconds(10);
    private static final Duration ASK_AGAIN = Duration.ofSeconds(30);

    private final ConnectionFactory factory;
    private final JmsSettings settings;
    private final LongSupplier nanos;
    private boolean schedules;
    private long refusedAt;
    private boolean refused;

    SchedulerCheck(ConnectionFactory factory, JmsSettings settings, LongSupplier nanos) {
        this.factory = factory;
        this.settings = settings;
        this.nanos = nanos;
    }

    /** Passes when the broker delays messages; otherwise a non-retriable {@link PublishException} saying what to turn on. */
    synchronized void require(String topic, String id) {
        if (schedules) {
            return;
        }
        if (!refused || nanos.getAsLong() - refusedAt > ASK_AGAIN.toNanos()) {
            schedules = probe();
            refused = !schedules;
            refusedAt = nanos.getAsLong();
        }
        if (!schedules) {
            throw new PublishException("message " + id + " to topic '" + topic + "' has a delivery time, but the "
                    + "ActiveMQ Classic broker does not delay messages (its scheduler is off) and would deliver it at once:"
                    + " set schedulerSupport=\"true\" on the <broker> element of its activemq.xml, or publish without a "
                    + "delay; nothing was sent", null, false);
        }
    }

    private boolean probe() {
        try (Connection connection = settings.connect(factory)) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue queue = session.createTemporaryQueue();
            MessageConsumer consumer = session.createConsumer(queue);
            Message probe = session.createMessage();
            probe.setLongProperty(SCHEDULED_DELAY, 1);
            session.createProducer(queue).send(probe, DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, 0);
            Message back = consumer.receive(PROBE_WAIT.toMillis());
            if (back == null) {
                throw new BrokerUnavailableException("the broker did not deliver a probe message within "
                        + PROBE_WAIT.toSeconds() + " s, checking that it delays messages; try again", null);
            }
            return back.propertyExists(SCHEDULED_JOB_ID);
        } catch (JMSException e) {
            throw new BrokerUnavailableException("cannot check that the broker delays messages: "
                    + JmsErrors.describe(e) + "; try again once it answers", e);
        }
    }
}
