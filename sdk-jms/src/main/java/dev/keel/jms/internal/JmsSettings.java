package dev.keel.jms.internal;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;

import java.time.Duration;

/**
 * What the shared JMS code needs of an adapter's configuration, whichever ActiveMQ line it is for.
 *
 * @param configName     the public config class, named in error messages ({@code ArtemisConfig})
 * @param propertyPrefix the Spring Boot starter's properties of the broker ({@code keel.artemis})
 */
public record JmsSettings(String username, String password, int sendLanes, int maxMessageBytes, Duration closeTimeout,
                          String configName, String propertyPrefix) {

    /** A new connection with the configured credentials, not started. */
    public Connection connect(ConnectionFactory factory) throws JMSException {
        return username == null ? factory.createConnection() : factory.createConnection(username, password);
    }

    /** Where the credentials are set, for a refused login's message. */
    public String credentialsHint() {
        return configName + ".credentials; " + propertyPrefix + ".user and " + propertyPrefix + ".password";
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "JmsSettings{username=" + username + ", sendLanes=" + sendLanes + ", maxMessageBytes=" + maxMessageBytes
                + "}";
    }
}
