package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/** Where Keel's ActiveMQ Classic adapter connects: from {@code keel.activemq.*} by default. */
public interface KeelActiveMQConnectionDetails extends ConnectionDetails {

    /** The broker's URL, {@code tcp://host:port} or {@code failover:(...)?maxReconnectAttempts=0}. */
    String url();

    /** The user, or null for none. */
    default String user() {
        return null;
    }

    /** The password, or null for none. */
    default String password() {
        return null;
    }
}
