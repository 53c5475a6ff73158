package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where Keel's Kafka adapter connects: from {@code keel.kafka.*} by default, or from a
 * {@code @ServiceConnection} Kafka container in tests.
 */
public interface KeelKafkaConnectionDetails extends ConnectionDetails {

    /** Comma-separated host:port pairs. */
    String bootstrapServers();
}
