package dev.keel.cli.broker;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import dev.keel.cli.bench.Progress;
import dev.keel.rabbit.AuthenticationMechanism;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.support.KeyHash;
import java.io.IOException;
import java.net.URI;
import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw amqp-client publishing to the exchange and lane routing keys Keel declared (so the same
 * quorum queues receive it), persistent and mandatory, with publisher confirms: either async
 * with a window of unconfirmed messages (the client used well), or one {@code waitForConfirms}
 * per message (the naive way, window 1).
 */
final class RawRabbitPublisher implements RawPublishBaseline {

    static final int NAIVE_MAX_MESSAGES = 2000;
    static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(30);

    private final URI uri;
    private final SSLContext sslContext;
    private final int lanes;
    private final int window;

    /** {@code sslContext}: for an {@code amqps://} URI, the context to trust the broker with; null for the JVM's. */
    RawRabbitPublisher(URI uri, SSLContext sslContext, int lanes, int window) {
        this.uri = uri;
        this.sslContext = sslContext;
        this.lanes = lanes;
        this.window = window;
    }

    @Override
    public String id() {
        return window == 1 ? "rabbit_wait_for_confirms" : "rabbit_async_confirms";
    }

    @Override
    public String description() {
        return window == 1 ? "raw amqp-client, naive: waitForConfirms after each message"
                : "raw amqp-client: async confirms, window " + window;
    }

    @Override
    public int messagesFor(int requested) {
        return window == 1 ? Math.min(requested, NAIVE_MAX_MESSAGES) : requested;
    }

    @Override
    public long publish(String topic, int messages, int keys, byte[] payload, Progress progress) throws Exception {
        ConnectionFactory factory = RawRabbitPublisher.factory(uri, sslContext);
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection("keel-cli-raw");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            AtomicLong returned = new AtomicLong();
            channel.addReturnListener(r -> returned.incrementAndGet());
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            long confirmed = window == 1
                    ? publishWaiting(channel, topic, messages, keys, payload, persistent, progress)
                    : publishAsync(channel, topic, messages, keys, payload, persistent, progress);
            if (returned.get() > 0) {
                throw new IOException(returned.get() + " message(s) returned unroutable by RabbitMQ");
            }
            return confirmed;
        }
    }

    private long publishWaiting(Channel channel, String topic, int messages, int keys, byte[] payload,
                                AMQP.BasicProperties props, Progress progress) throws Exception {
        for (int i = 0; i < messages; i++) {
            channel.basicPublish(topic, routingKey(i, keys), true, props, payload);
            channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT.toMillis());
            progress.advance(1);
        }
        return messages;
    }

    private long publishAsync(Channel channel, String topic, int messages, int keys, byte[] payload,
                              AMQP.BasicProperties props, Progress progress) throws Exception {
        AtomicLong confirmed = new AtomicLong();
        ConfirmWindow confirms = new ConfirmWindow(channel, window, CONFIRM_TIMEOUT, n -> {
            confirmed.addAndGet(n);
            progress.advance(n);
        });
        for (int i = 0; i < messages; i++) {
            String routingKey = routingKey(i, keys);
            confirms.publish(channel, () -> channel.basicPublish(topic, routingKey, true, props, payload));
        }
        confirms.awaitAll();
        return confirmed.get();
    }

    private String routingKey(int i, int keys) {
        return Integer.toString(KeyHash.laneOf("k" + (i % keys), lanes));
    }

    /**
     * A connection factory for {@code uri}; over {@code amqps://} it verifies the broker's certificate and host name
     * as Keel's adapter does (with {@code sslContext}, or the JVM's trust store when null), where amqp-client's
     * {@code setUri} alone would trust any certificate.
     */
    static ConnectionFactory factory(URI uri, SSLContext sslContext) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        if ("amqps".equalsIgnoreCase(uri.getScheme())) {
            SSLContext context = sslContext;
            if (context == null) {
                context = SSLContext.getInstance("TLS");
                context.init(null, null, null);
            }
            factory.useSslProtocol(context);
            factory.enableHostnameVerification();
        }
        if (RabbitConfig.custom().uri(uri.toString()).build().authentication() == AuthenticationMechanism.EXTERNAL) {
            factory.setSaslConfig(DefaultSaslConfig.EXTERNAL); // ?auth_mechanism=external: the client certificate
        }
        return factory;
    }
}
