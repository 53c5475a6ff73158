package dev.keel.testbrokers;

import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(RealBrokers.class)
class RocketBrokerTest {

    @Test
    void rawClientSendsAndPullsOneMessage(RocketEndpoint rocket) throws Exception {
        String topic = UniqueNames.of("smoke");

        send(rocket, topic, "hello");

        assertThat(pullAll(rocket, topic, 1)).containsExactly("hello");
    }

    @Test
    void servesAgainAfterBrokerKillAndRestartWithItsData(RocketEndpoint rocket) throws Exception {
        assumeTrue(rocket.supportsFaults(), "RocketMQ is not owned by the harness");
        String topic = UniqueNames.of("restart");
        send(rocket, topic, "before");

        rocket.kill();
        rocket.restart();
        send(rocket, topic, "after");

        assertThat(pullAll(rocket, topic, 2)).containsExactlyInAnyOrder("before", "after");
    }

    private static void send(RocketEndpoint rocket, String topic, String body) throws Exception {
        String group = UniqueNames.of("producer");
        DefaultMQProducer producer = new DefaultMQProducer(group);
        producer.setNamesrvAddr(rocket.nameServerAddress());
        producer.setInstanceName(group);
        producer.setRetryTimesWhenSendFailed(5);
        producer.start();
        try {
            SendResult result = producer.send(new Message(topic, body.getBytes(StandardCharsets.UTF_8)), 10_000);
            assertThat(result.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
        } finally {
            producer.shutdown();
        }
    }

    private static List<String> pullAll(RocketEndpoint rocket, String topic, int expected) throws Exception {
        String group = UniqueNames.of("consumer");
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(group);
        consumer.setNamesrvAddr(rocket.nameServerAddress());
        consumer.setInstanceName(group);
        consumer.setConsumeFromWhere(org.apache.rocketmq.common.consumer.ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.start();
        List<String> bodies = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (MessageExt message : consumer.poll(200)) {
                    bodies.add(new String(message.getBody(), StandardCharsets.UTF_8));
                }
                return bodies.size() >= expected;
            });
        } finally {
            consumer.shutdown();
        }
        return bodies;
    }
}
