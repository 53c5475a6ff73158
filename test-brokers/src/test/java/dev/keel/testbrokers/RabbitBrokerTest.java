package dev.keel.testbrokers;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(RealBrokers.class)
class RabbitBrokerTest {

    @Test
    void rawClientPublishesAndConsumesOneMessage(RabbitEndpoint rabbit) throws Exception {
        String queue = UniqueNames.of("smoke");

        publish(rabbit, queue, "hello");

        assertThat(get(rabbit, queue)).isEqualTo("hello");
    }

    @Test
    void servesAgainAfterKillAndRestartWithItsData(RabbitEndpoint rabbit) throws Exception {
        assumeTrue(rabbit.supportsFaults(), "RabbitMQ is not owned by the harness");
        String queue = UniqueNames.of("restart");
        publish(rabbit, queue, "before");

        rabbit.kill();
        assertThatThrownBy(() -> factory(rabbit).newConnection().close()).as("connect after kill").isNotNull();
        rabbit.restart();
        publish(rabbit, queue, "after");

        assertThat(get(rabbit, queue)).isEqualTo("before");
        assertThat(get(rabbit, queue)).isEqualTo("after");
    }

    @Test
    void nodeCommandsShouldRunOnTheHarnessesOwnNodeOnly(RabbitEndpoint rabbit) {
        if (rabbit.supportsNodeCommands()) {
            assertThat(rabbit.rabbitmqctl("eval", "application:get_env(rabbit, consumer_timeout).")).startsWith("{ok,");
        } else {
            assertThatThrownBy(() -> rabbit.rabbitmqctl("status")).isInstanceOf(FaultInjectionUnsupportedException.class);
        }
    }

    /** Publishes a persistent message to a durable quorum queue and waits for the broker's confirm. */
    private static void publish(RabbitEndpoint rabbit, String queue, String body) throws Exception {
        try (Connection connection = factory(rabbit).newConnection(); Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
            channel.confirmSelect();
            channel.basicPublish("", queue, true, MessageProperties.PERSISTENT_TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
        }
    }

    private static String get(RabbitEndpoint rabbit, String queue) throws Exception {
        try (Connection connection = factory(rabbit).newConnection(); Channel channel = connection.createChannel()) {
            GetResponse[] got = new GetResponse[1];
            await().atMost(Duration.ofSeconds(30)).until(() -> (got[0] = channel.basicGet(queue, false)) != null);
            channel.basicAck(got[0].getEnvelope().getDeliveryTag(), false);
            return new String(got[0].getBody(), StandardCharsets.UTF_8);
        }
    }

    private static ConnectionFactory factory(RabbitEndpoint rabbit) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbit.uri());
        factory.setAutomaticRecoveryEnabled(false);
        factory.setConnectionTimeout(5000);
        return factory;
    }
}
