package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.fixtures.ConfiguredArtemisMain;
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
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(RealBrokers.class)
class ArtemisBrokerTest {
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void theBrokerAcceptsAJmsConnectionAndDeliversAQueuedMessage(ArtemisEndpoint artemis) throws Exception {
        String queue = UniqueNames.of("smoke");

        send(artemis.url(), queue, "hello");

        assertThat(receive(artemis.url(), queue)).isEqualTo("hello");
    }

    @Test
    void aPersistentMessageSurvivesAKillAndRestart(ArtemisEndpoint artemis) throws Exception {
        assumeTrue(artemis.supportsFaults(), "ActiveMQ Artemis is not owned by the harness");
        String queue = UniqueNames.of("restart");
        send(artemis.url(), queue, "before the kill");

        artemis.kill();
        assertThat(TcpProbe.accepts(hostAndPort(artemis.url()))).as("port open after kill").isFalse();
        artemis.restart();

        assertThat(receive(artemis.url(), queue)).isEqualTo("before the kill");
    }

    @Test
    void aConnectionThroughTheProxiedUrlFailsWhenTheProxyCutsIt(ArtemisEndpoint artemis) throws Exception {
        assumeTrue(artemis.hasProxiedUrl(), "only the harness's local ActiveMQ Artemis has a fault proxy");
        String queue = UniqueNames.of("proxied");
        FaultProxy proxy = artemis.proxy();
        CompletableFuture<JMSException> failure = new CompletableFuture<>();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(artemis.proxiedUrl());
             Connection connection = factory.createConnection()) {
            connection.setExceptionListener(failure::complete);
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            producer.send(session.createTextMessage("through the proxy"));
            assertThat(proxy.openConnections()).isPositive();

            proxy.cut();

            assertThat(failure.get(60, TimeUnit.SECONDS)).isNotNull();
        } finally {
            proxy.heal();
        }
        assertThat(receive(artemis.url(), queue)).isEqualTo("through the proxy");
    }

    @Test
    void aConfiguredUrlIsUsedAsGivenAndNotOwnedByTheHarness(ArtemisEndpoint artemis) throws Exception {
        String queue = UniqueNames.of("configured");
        // a JVM of its own, whose harness reads -Dkeel.artemis.url: this JVM's registry has its broker already
        try (ForkedJvm child = ForkedJvm.builder(ConfiguredArtemisMain.class)
                .args(queue, "via the configured url")
                .systemProperty("keel.artemis.url", artemis.url())
                .systemProperty("keel.brokers.prestart", "artemis")
                .systemProperty("keel.brokers.dir", HarnessRuntime.get().run().dir("configured-artemis").toString())
                .start()) {
            child.awaitLineContaining("sent", CHILD_TIMEOUT);

            assertThat(child.lines()).contains("origin CONFIGURED", "faults false", "proxied false",
                    "url " + artemis.url());
        }
        assertThat(receive(artemis.url(), queue)).isEqualTo("via the configured url");
    }

    /** A synchronous persistent send: it returns once the broker has stored the message. */
    private static void send(String url, String queue, String text) throws JMSException {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url)) {
            factory.setBlockOnDurableSend(true); // the default, stated: the test relies on it
            try (Connection connection = factory.createConnection()) {
                Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageProducer producer = session.createProducer(session.createQueue(queue));
                producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                producer.send(session.createTextMessage(text));
            }
        }
    }

    private static String receive(String url, String queue) throws JMSException {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
             Connection connection = factory.createConnection()) {
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
