package dev.keel.testbrokers;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.time.Duration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The harness's Artemis primary/backup pair: what the active broker stored is served by its backup
 * once it is killed; started again, the killed broker becomes the backup of the one now active and
 * serves what that one stored once it is killed in turn. Tagged {@code cluster}: runs with {@code -Pcluster}.
 */
@Tag("cluster")
class ArtemisPairTest {
    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);

    private final ArtemisPair pair = ArtemisPair.local();

    @AfterEach
    void heal() {
        pair.heal();
    }

    @Test
    void aKilledActiveBrokerShouldBeReplacedByItsBackupWithEverythingItStored() throws Exception {
        String queue = UniqueNames.of("pair");
        ArtemisPair.Node first = pair.active().orElseThrow();
        send(pair.url(), queue, "stored by the first");

        long killedAt = System.nanoTime();
        pair.kill(first);
        pair.awaitActive(first.other(), FAILOVER_TIMEOUT);
        System.out.printf("the %s took over %d ms after the %s was killed%n", first.other(),
                (System.nanoTime() - killedAt) / 1_000_000, first);
        assertThat(TcpProbe.accepts(pair.urlOf(first).substring("tcp://".length())))
                .as("the killed broker's port").isFalse();
        assertThat(receive(pair.url(), queue)).isEqualTo("stored by the first");
        send(pair.url(), queue, "stored by the second");

        pair.restart(first);

        assertThat(pair.active()).as("active once the killed broker is back (no failback)").contains(first.other());
        pair.kill(first.other());
        pair.awaitActive(first, FAILOVER_TIMEOUT);
        assertThat(receive(pair.url(), queue)).as("what the second stored, on the first again")
                .isEqualTo("stored by the second");
    }

    /** A synchronous persistent send: it returns once the active broker has stored it (and its backup, if any). */
    private static void send(String url, String queue, String text) throws JMSException {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
             Connection connection = factory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            producer.send(session.createTextMessage(text));
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
}
