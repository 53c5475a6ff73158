package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where Keel's RabbitMQ adapter connects: from {@code keel.rabbit.*} by default, or from a
 * {@code @ServiceConnection} RabbitMQ container in tests.
 */
public interface KeelRabbitConnectionDetails extends ConnectionDetails {

    /** {@code amqp[s]://[user[:password]@]host[:port][/vhost]}. */
    String uri();

    /** The user name, overriding the uri's; null: the uri's (or the client default). */
    String username();

    /** The password, overriding the uri's; null: the uri's (or the client default). */
    String password();
}
