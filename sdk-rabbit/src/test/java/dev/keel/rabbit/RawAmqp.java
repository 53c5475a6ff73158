package dev.keel.rabbit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Delivery;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A plain amqp-client connection, for interop checks and for looking at queues from outside Keel. */
final class RawAmqp implements AutoCloseable {

    private final Connection connection;
    private final Channel channel;

    RawAmqp(RabbitConfig config) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(config.host());
        factory.setPort(config.port());
        factory.setVirtualHost(config.virtualHost());
        factory.setUsername(config.username());
        factory.setPassword(config.password());
        factory.setAutomaticRecoveryEnabled(false);
        this.connection = factory.newConnection("keel-test-raw");
        this.channel = connection.createChannel();
    }

    Channel channel() {
        return channel;
    }

    Connection connection() {
        return connection;
    }

    /** Ready messages in a queue. */
    int ready(String queue) throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    /**
     * Consumes (manual acks, as a plain application would) until {@code count} messages arrived or
     * {@code timeout} passed, then cancels. Quorum queues with single-active-consumer refuse basic.get.
     */
    List<Delivery> consume(String queue, int count, Duration timeout) throws IOException, InterruptedException {
        List<Delivery> got = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(count);
        String tag = channel.basicConsume(queue, false, (consumerTag, delivery) -> {
            got.add(delivery);
            channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
            done.countDown();
        }, consumerTag -> { });
        done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        channel.basicCancel(tag);
        return List.copyOf(got);
    }

    @Override
    public void close() throws IOException, TimeoutException {
        if (connection.isOpen()) {
            connection.close();
        }
    }
}
