package dev.keel.kafka.internal;

import dev.keel.ClientConfigRefusedException;
import dev.keel.KeelException;
import dev.keel.spi.support.ClientSetupFailures;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Creates a kafka-clients client, turning its refusal of its own settings (a key or trust store it cannot load: a
 * file missing or unreadable, a wrong password, a malformed PEM; an invalid value; a class it cannot find; a
 * {@code sasl.jaas.config} its JAAS parser refuses) into a {@link ClientConfigRefusedException} (not retriable)
 * naming the reason, secrets masked ({@link ClientSetupFailures}), instead of the client's raw {@code KafkaException}
 * ("Failed to construct kafka producer"), which says neither that it is the configuration nor that retrying is
 * pointless. The
 * exception's cause is a copy of the client's failure with the same masking, so that a logger printing it prints no
 * secret either.
 */
public final class ClientSetup {

    private static final String KAFKA = "org.apache.kafka.";

    private ClientSetup() {
    }

    /** {@code creation}'s client; its refusal of its settings as a non-retriable {@link KeelException}. */
    public static <T> T create(String what, Supplier<T> creation) {
        return create(what, Map.of(), creation);
    }

    /**
     * {@code creation}'s client; its refusal of its settings as a non-retriable {@link KeelException}, naming the
     * setting among {@code settings} (the client's properties) of a store file or class it names.
     */
    public static <T> T create(String what, Map<String, ?> settings, Supplier<T> creation) {
        try {
            return creation.get();
        } catch (KafkaException | IllegalArgumentException e) {
            Optional<KeelException> refused = refusal(what, e, settings);
            if (refused.isPresent()) {
                throw refused.get();
            }
            throw e;
        }
    }

    /** The refusal when {@code failure} is a client refusing its settings at creation; empty otherwise. */
    static Optional<KeelException> refusal(String what, RuntimeException failure, Map<String, ?> settings) {
        boolean setup = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            setup |= t instanceof ConfigException || t instanceof InvalidConfigurationException
                    || t instanceof SslAuthenticationException || t instanceof GeneralSecurityException
                    || t instanceof IOException // a store's file missing, unreadable or malformed
                    || t instanceof ClassNotFoundException // a class a setting names
                    || t instanceof IllegalArgumentException && raisedByKafka(t); // the JAAS parser's, for one
        }
        if (!setup) {
            return Optional.empty();
        }
        String reason = ClientSetupFailures.reason(failure, KAFKA, settings);
        return Optional.of(new ClientConfigRefusedException("the Kafka client refused its configuration creating "
                + what + ": " + reason + "; fix the setting it names (KafkaConfig.Builder.property,"
                + " keel.kafka.properties.* with the Spring Boot starter); not retried", reason,
                ClientSetupFailures.sanitized(failure, KAFKA)));
    }

    private static boolean raisedByKafka(Throwable t) {
        StackTraceElement[] stack = t.getStackTrace();
        return stack.length > 0 && stack[0].getClassName().startsWith(KAFKA);
    }
}
