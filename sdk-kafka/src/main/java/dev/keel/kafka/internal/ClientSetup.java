package dev.keel.kafka.internal;

import dev.keel.KeelException;
import dev.keel.spi.support.ClientSetupFailures;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Creates a kafka-clients client, turning its refusal of its own settings (a key or trust store it cannot load: a
 * file missing or unreadable, a wrong password, a malformed PEM; an invalid value) into a {@link KeelException} that
 * is not retriable and names the reason, passwords masked, instead of the client's raw {@code KafkaException}
 * ("Failed to construct kafka producer"), which says neither that it is the configuration nor that retrying is
 * pointless.
 */
public final class ClientSetup {

    private ClientSetup() {
    }

    /** {@code creation}'s client; its refusal of its settings as a non-retriable {@link KeelException}. */
    public static <T> T create(String what, Supplier<T> creation) {
        try {
            return creation.get();
        } catch (KafkaException e) {
            Optional<KeelException> refused = refusal(what, e);
            if (refused.isPresent()) {
                throw refused.get();
            }
            throw e;
        }
    }

    /** The refusal when {@code failure} is a client refusing its settings at creation; empty otherwise. */
    static Optional<KeelException> refusal(String what, KafkaException failure) {
        boolean setup = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            setup |= t instanceof ConfigException || t instanceof InvalidConfigurationException
                    || t instanceof SslAuthenticationException || t instanceof GeneralSecurityException
                    || t instanceof IOException; // a store's file missing, unreadable or malformed
        }
        if (!setup) {
            return Optional.empty();
        }
        return Optional.of(new KeelException("the Kafka client refused its configuration creating " + what + ": "
                + ClientSetupFailures.reason(failure, "org.apache.kafka.") + "; fix the setting it names"
                + " (KafkaConfig.Builder.property, keel.kafka.properties.* with the Spring Boot starter); not retried",
                failure, false));
    }
}
