package dev.keel.jms;

import dev.keel.faults.FaultProxy;
import dev.keel.jms.internal.ClassicNames;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerEndpoint;
import dev.keel.testbrokers.Brokers;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import org.junit.jupiter.api.Assumptions;

import java.time.Duration;

/**
 * One ActiveMQ line, for the tests that run the same guarantee on both: its adapter on the harness's
 * broker (directly, or through the broker's fault proxy with failures noticed within seconds), the
 * broker's kill and restart, and a plain Jakarta Messaging client's view of a Keel topic.
 */
enum JmsLine {
    ARTEMIS {
        @Override
        BrokerAdapter adapter(String url) {
            return new ArtemisAdapter(ArtemisTestSupport.config(url).build());
        }

        @Override
        String url() {
            return Brokers.artemis().url();
        }

        @Override
        String fastFailingProxiedUrl() {
            // a silent peer is noticed after the connection TTL; a blocked send fails after the call timeout
            return Brokers.artemis().proxiedUrl() + "?connectionTTL=4000&clientFailureCheckPeriod=1000&callTimeout=4000";
        }

        @Override
        BrokerEndpoint endpoint() {
            return Brokers.artemis();
        }

        @Override
        FaultProxy proxy() {
            return Brokers.artemis().proxy();
        }

        @Override
        ConnectionFactory plainClient() {
            return new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory(url());
        }

        @Override
        Destination topicOf(Session session, String topic) throws JMSException {
            return session.createTopic(topic);
        }

        @Override
        Destination groupQueueOf(Session session, String topic, String group) throws JMSException {
            return session.createQueue(topic + "::" + topic + "." + group);
        }
    },
    CLASSIC {
        @Override
        BrokerAdapter adapter(String url) {
            return new ActiveMQClassicAdapter(ClassicTestSupport.config(url).sendTimeout(Duration.ofSeconds(4)).build());
        }

        @Override
        String url() {
            return Brokers.activemq().url();
        }

        @Override
        String fastFailingProxiedUrl() {
            // a silent peer is noticed by the inactivity monitor; a blocked send fails after the adapter's send timeout
            return Brokers.activemq().proxiedUrl()
                    + "?wireFormat.maxInactivityDuration=3000&wireFormat.maxInactivityDurationInitalDelay=1000";
        }

        @Override
        BrokerEndpoint endpoint() {
            return Brokers.activemq();
        }

        @Override
        FaultProxy proxy() {
            return Brokers.activemq().proxy();
        }

        @Override
        ConnectionFactory plainClient() {
            return new org.apache.activemq.ActiveMQConnectionFactory(url());
        }

        @Override
        Destination topicOf(Session session, String topic) throws JMSException {
            return session.createTopic(ClassicNames.virtualTopic(topic));
        }

        @Override
        Destination groupQueueOf(Session session, String topic, String group) throws JMSException {
            return session.createQueue(ClassicNames.groupQueue(topic, group));
        }
    };

    /** The adapter on the harness's broker. */
    BrokerAdapter adapter() {
        return adapter(url());
    }

    /** The adapter on {@code url}, with the tests' settings otherwise; asks nothing of the harness. */
    abstract BrokerAdapter adapter(String url);

    abstract String url();

    /** The broker through its fault proxy, with a lost or silent connection noticed within a few seconds. */
    abstract String fastFailingProxiedUrl();

    /** The broker, to kill and restart. */
    abstract BrokerEndpoint endpoint();

    /** The proxy in front of the broker: heal it when done. */
    abstract FaultProxy proxy();

    /**
     * Skips the test unless the harness owns the broker and has a fault proxy in front of it: its local broker, not a
     * container or a configured one (run with {@code KEEL_BROKERS=local} for the fault tests).
     */
    void assumeFaultInjection() {
        BrokerEndpoint endpoint = endpoint();
        boolean proxied = this == ARTEMIS ? Brokers.artemis().hasProxiedUrl() : Brokers.activemq().hasProxiedUrl();
        Assumptions.assumeTrue(endpoint.supportsFaults() && proxied, "this " + endpoint.kind().displayName() + " ("
                + endpoint.origin() + ") cannot be killed or cut off by the harness: only its local broker can; run "
                + "with KEEL_BROKERS=local");
    }

    /** A plain Jakarta Messaging client of the broker. */
    abstract ConnectionFactory plainClient();

    /** Where a plain client publishes a message of Keel's {@code topic}. */
    abstract Destination topicOf(Session session, String topic) throws JMSException;

    /** Where a plain client consumes what Keel's {@code group} of {@code topic} receives. */
    abstract Destination groupQueueOf(Session session, String topic, String group) throws JMSException;
}
