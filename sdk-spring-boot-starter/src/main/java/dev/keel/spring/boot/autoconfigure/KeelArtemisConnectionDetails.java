package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/** Where Keel's ActiveMQ Artemis adapter connects: from {@code keel.artemis.*} by default. */
public interface KeelArtemisConnectionDetails extends ConnectionDetails {

    /** The broker's URL, {@code tcp://host:port}. */
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
