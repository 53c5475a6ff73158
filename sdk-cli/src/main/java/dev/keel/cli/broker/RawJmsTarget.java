package dev.keel.cli.broker;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import java.util.Objects;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * How the raw JMS baselines ({@link RawJmsClients}) reach one ActiveMQ line without Keel: its own client's
 * connection factory, the login, the names of the destinations Keel declared for a topic and a group, and the
 * client's individual-acknowledge session mode. Never shows the password.
 */
final class RawJmsTarget {

    private final String id;
    private final String client;
    private final Supplier<ConnectionFactory> factories;
    private final String user;
    private final String password;
    private final UnaryOperator<String> topicName;
    private final BinaryOperator<String> groupQueueName;
    private final int individualAcknowledge;
    private final int sendWindow;

    /**
     * @param id                    the prefix of the baselines' ids in the report, e.g. {@code artemis}
     * @param client                the client's name in the report, e.g. {@code Artemis JMS client}
     * @param factories             a new connection factory for each measurement, closed after it
     * @param user                  the user, or {@code null} for none
     * @param password              the user's password ({@code ""} for none)
     * @param topicName             the destination a message of a topic is sent to
     * @param groupQueueName        the queue a group of a topic reads, of (topic, group)
     * @param individualAcknowledge the client's session mode acknowledging one message at a time
     * @param sendWindow            the publish baseline's asynchronous sends in flight per session, each completed by
     *                              the broker's answer once stored (the factories must make the client wait for that
     *                              answer); 0 for synchronous sends
     */
    RawJmsTarget(String id, String client, Supplier<ConnectionFactory> factories, String user, String password,
                 UnaryOperator<String> topicName, BinaryOperator<String> groupQueueName, int individualAcknowledge,
                 int sendWindow) {
        this.id = Objects.requireNonNull(id, "id");
        this.client = Objects.requireNonNull(client, "client");
        this.factories = Objects.requireNonNull(factories, "factories");
        this.user = user;
        this.password = password == null ? "" : password;
        this.topicName = Objects.requireNonNull(topicName, "topicName");
        this.groupQueueName = Objects.requireNonNull(groupQueueName, "groupQueueName");
        this.individualAcknowledge = individualAcknowledge;
        this.sendWindow = sendWindow;
    }

    /** The asynchronous sends in flight per session of the publish baseline; 0: synchronous sends. */
    int sendWindow() {
        return sendWindow;
    }

    String id() {
        return id;
    }

    String client() {
        return client;
    }

    ConnectionFactory newFactory() {
        return factories.get();
    }

    /** Releases what a factory holds (Artemis's holds a server locator); the connections are closed before. */
    static void close(ConnectionFactory factory) {
        if (factory instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // closing anyway: the measurement is over
            }
        }
    }

    Connection connect(ConnectionFactory factory) throws JMSException {
        return user == null ? factory.createConnection() : factory.createConnection(user, password);
    }

    Destination topic(Session session, String topic) throws JMSException {
        return session.createTopic(topicName.apply(topic));
    }

    Destination groupQueue(Session session, String topic, String group) throws JMSException {
        return session.createQueue(groupQueueName.apply(topic, group));
    }

    int individualAcknowledge() {
        return individualAcknowledge;
    }

    @Override
    public String toString() {
        return "RawJmsTarget{" + id + ", user=" + user + "}";
    }
}
