package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Acks on a real broker across a channel's epochs. The batcher's channel stands for the recovering
 * channel of a connection: after recovery the same object talks to a new channel, whose delivery tags
 * start again at 1. An ack for a delivery of the old channel must never be sent on the new one, where
 * its tag names another message (acking a message nobody handled: lost).
 */
@UsesBrokers(BrokerKind.RABBIT)
class AckBatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private Connection connection;
    private String queue;

    @BeforeEach
    void open() throws Exception {
        connection = new Connector(RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test")
                .build()).open("ack-batcher-test", false);
        queue = UniqueNames.of("acks");
        try (Channel admin = connection.createChannel()) {
            admin.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
            admin.confirmSelect();
            for (String body : new String[] {"m0", "m1"}) {
                admin.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                        body.getBytes(StandardCharsets.UTF_8));
            }
            admin.waitForConfirmsOrDie(10_000);
        }
    }

    @AfterEach
    void close() throws Exception {
        try (Channel admin = connection.createChannel()) {
            admin.queueDelete(queue);
        }
        connection.close();
    }

    @Test
    void anAckWhoseChannelWasReplacedWhileItWasQueuedShouldNotAckTheNewChannelsDelivery() throws Exception {
        AtomicReference<Channel> current = new AtomicReference<>();
        Channel recovering = (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(),
                new Class<?>[] {Channel.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(current.get(), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        LinkedBlockingQueue<Long> oldTags = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Long> newTags = new LinkedBlockingQueue<>();
        current.set(consume(oldTags));
        long oldTag = oldTags.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        AckBatcher[] batcher = new AckBatcher[1];
        // between the ack's epoch check and its queueing, the channel is lost and recovered, and the new
        // channel receives a delivery with the same tag (the lane's consumer records it, as RabbitConsumer does)
        batcher[0] = new AckBatcher(recovering, () -> {
            try {
                batcher[0].newEpoch();
                current.getAndSet(consume(newTags)).close();
                long newTag = newTags.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(newTag).as("the new channel numbers its deliveries from 1 again").isEqualTo(oldTag);
                batcher[0].delivered(newTag);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        batcher[0].delivered(oldTag);
        batcher[0].ack(batcher[0].epoch(), oldTag);

        current.get().close(); // nothing was handled on the new channel: both messages go back to the queue
        try (Channel admin = connection.createChannel()) {
            await("both messages back in the queue, none acknowledged").atMost(WAIT)
                    .untilAsserted(() -> assertThat(admin.queueDeclarePassive(queue).getMessageCount()).isEqualTo(2));
        }
    }

    /** A new channel consuming the queue one unacknowledged message at a time; its delivery tags go to {@code tags}. */
    private Channel consume(LinkedBlockingQueue<Long> tags) throws Exception {
        Channel channel = connection.createChannel();
        channel.basicQos(1);
        channel.basicConsume(queue, false, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                                       byte[] body) {
                tags.add(envelope.getDeliveryTag());
            }
        });
        return channel;
    }
}
