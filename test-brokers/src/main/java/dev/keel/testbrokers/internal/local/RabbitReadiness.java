package dev.keel.testbrokers.internal.local;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.keel.testbrokers.internal.Poll;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A RabbitMQ broker is ready when an AMQP connection to the virtual host opens. */
final class RabbitReadiness {

    private RabbitReadiness() {
    }

    static void await(String host, int port, String user, String password, String vhost, Duration timeout,
                      CompletableFuture<?> abort) throws Poll.PollFailedException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(user);
        factory.setPassword(password);
        factory.setVirtualHost(vhost);
        factory.setConnectionTimeout(2000);
        factory.setAutomaticRecoveryEnabled(false);
        Poll.until("AMQP connection to " + host + ":" + port + " vhost " + vhost, timeout, abort, () -> {
            try (Connection connection = factory.newConnection("keel-test-brokers-readiness")) {
                return Optional.of(connection.isOpen());
            }
        });
    }
}
