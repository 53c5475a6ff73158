package dev.keel.cli.broker;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.keel.spi.support.KeyHash;
import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * amqp-client used well for latency: publishes to the exchange and partition routing keys Keel
 * declared, persistent and mandatory, with async confirms in a window; consumes each partition queue
 * {@code <topic>.<group>.<partition>} (the documented names) on its own channel with manual acks.
 */
final class RawRabbitLatency implements RawLatencyBaseline {

    static final int PREFETCH = 250;
    static final long CONFIRM_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(30);
    static final long CLOSE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);

    private final URI uri;
    private final SSLContext sslContext;
    private final int partitions;
    private final int window;

    /** {@code sslContext}: for an {@code amqps://} URI, the context to trust the broker with; null for the JVM's. */
    RawRabbitLatency(URI uri, SSLContext sslContext, int partitions, int window) {
        this.uri = uri;
        this.sslContext = sslContext;
        this.partitions = partitions;
        this.window = window;
    }

    @Override
    public String id() {
        return "amqp_client";
    }

    @Override
    public String description() {
        return "raw amqp-client: async confirms (window " + window + "), manual ack per message, prefetch "
                + PREFETCH;
    }

    @Override
    public Session open(String topic, String group, Consumer<byte[]> onPayload) throws Exception {
        ConnectionFactory factory = RawRabbitPublisher.factory(uri, sslContext);
        factory.setAutomaticRecoveryEnabled(false);
        Connection connection = factory.newConnection("keel-cli-raw-latency");
        try {
            for (int p = 0; p < partitions; p++) {
                Channel channel = connection.createChannel();
                channel.basicQos(PREFETCH);
                channel.basicConsume(topic + "." + group + "." + p, false, new DefaultConsumer(channel) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props,
                                               byte[] body) throws IOException {
                        onPayload.accept(body);
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                    }
                });
            }
            Channel publisher = connection.createChannel();
            publisher.confirmSelect();
            ConfirmWindow confirms = new ConfirmWindow(publisher, window, Duration.ofMillis(CONFIRM_TIMEOUT_MS), n -> { });
            publisher.addReturnListener(r -> confirms.fail("a message was returned unroutable"));
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            return new Session() {
                @Override
                public void publish(String key, byte[] payload) throws Exception {
                    String routingKey = Integer.toString(KeyHash.laneOf(key, partitions));
                    confirms.publish(publisher, () -> publisher.basicPublish(topic, routingKey, true, persistent,
                            payload));
                }

                @Override
                public void close() throws IOException {
                    try {
                        confirms.awaitAll();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for confirms");
                    } finally {
                        // bounded: a loaded broker may never answer close-ok; then the socket is dropped
                        connection.close((int) CLOSE_TIMEOUT_MS);
                    }
                }
            };
        } catch (Exception e) {
            connection.abort();
            throw e;
        }
    }
}
