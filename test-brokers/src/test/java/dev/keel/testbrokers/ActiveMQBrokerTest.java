package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.fixtures.ConfiguredActiveMQMain;
import dev.keel.testbrokers.internal.HarnessRuntime;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(RealBrokers.class)
class ActiveMQBrokerTest {
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void theBrokerAcceptsAJmsConnectionAndDeliversAQueuedMessage(ActiveMQEndpoint activemq) throws Exception {
        String queue = UniqueNames.of("smoke");

        send(activemq.url(), queue, "hello");

        assertThat(receive(activemq.url(), queue)).isEqualTo("hello");
    }

    @Test
    void aPersistentMessageSurvivesAKillAndRestart(ActiveMQEndpoint activemq) throws Exception {
        assumeTrue(activemq.supportsFaults(), "ActiveMQ Classic is not owned by the harness");
        String queue = UniqueNames.of("restart");
        send(activemq.url(), queue, "before the kill");

        activemq.kill();
        assertThat(TcpProbe.accepts(hostAndPort(activemq.url()))).as("port open after kill").isFalse();
        activemq.restart();

        assertThat(receive(activemq.url(), queue)).isEqualTo("before the kill");
    }

    @Test
    void aConnectionThroughTheProxiedUrlFailsWhenTheProxyCutsIt(ActiveMQEndpoint activemq) throws Exception {
        assumeTrue(activemq.hasProxiedUrl(), "only the harness's local ActiveMQ Classic has a fault proxy");
        String queue = UniqueNames.of("proxied");
        FaultProxy proxy = activemq.proxy();
        CompletableFuture<JMSException> failure = new CompletableFuture<>();
        Connection connection = new ActiveMQConnectionFactory(activemq.proxiedUrl()).createConnection();
        try {
            connection.setExceptionListener(failure::complete);
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            producer.send(session.createTextMessage("through the proxy"));
            assertThat(proxy.openConnections()).isPositive();

            proxy.cut();

            assertThat(failure.get(60, TimeUnit.SECONDS)).isNotNull();
        } finally {
            closeCut(connection);
            proxy.heal();
        }
        assertThat(receive(activemq.url(), queue)).isEqualTo("through the proxy");
    }

    @Test
    void aConfiguredUrlIsUsedAsGivenWithItsPasswordMaskedAndNotOwnedByTheHarness(ActiveMQEndpoint activemq)
            throws Exception {
        String queue = UniqueNames.of("configured");
        // no authentication on the local broker: any user and password log in
        String url = "failover:(" + activemq.url() + ")?jms.userName=app&jms.password=topsecret";
        // a JVM of its own, whose harness reads -Dkeel.activemq.url: this JVM's registry has its broker already
        try (ForkedJvm child = ForkedJvm.builder(ConfiguredActiveMQMain.class)
                .args(queue, "via the configured url")
                .systemProperty("keel.activemq.url", url)
                .systemProperty("keel.brokers.prestart", "activemq")
                .systemProperty("keel.brokers.dir", HarnessRuntime.get().run().dir("configured-activemq").toString())
                .start()) {
            child.awaitLineContaining("sent", CHILD_TIMEOUT);

            assertThat(child.lines()).contains("origin CONFIGURED", "faults false", "proxied false",
                    "address failover:(" + activemq.url() + ")?jms.userName=app&jms.password=***");
            assertThat(child.lines()).noneMatch(line -> line.contains("topsecret"));
        }
        assertThat(receive(activemq.url(), queue)).isEqualTo("via the configured url");
    }

    /** A synchronous persistent send (the client's default outside transactions): it returns once the broker stored it. */
    private static void send(String url, String queue, String text) throws JMSException {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
        factory.setUseAsyncSend(false); // the default, stated: the test relies on it
        try (Connection connection = factory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            producer.send(session.createTextMessage(text));
        }
    }

    /**
     * Closes a connection the proxy cut: the client then throws ({@code Disposed due to prior exception}) after
     * releasing what it held, so there is nothing more to do.
     */
    private static void closeCut(Connection connection) {
        try {
            connection.close();
        } catch (JMSException e) {
            // expected once the connection failed
        }
    }

    private static String receive(String url, String queue) throws JMSException {
        try (Connection connection = new ActiveMQConnectionFactory(url).createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue(queue));
            Message message = consumer.receive(RECEIVE_TIMEOUT.toMillis());
            assertThat(message).as("a message on " + queue + " within " + RECEIVE_TIMEOUT).isNotNull();
            return ((TextMessage) message).getText();
        }
    }

    private static String hostAndPort(String url) {
        return url.substring("tcp://".length());
    }
}
