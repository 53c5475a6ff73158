package dev.keel.cli;

import dev.keel.ClientConfigRefusedException;
import dev.keel.spi.support.ClientSetupFailures;
import java.io.FileNotFoundException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.Set;

/**
 * A broker client that refused its own configuration when it was created (a malformed {@code sasl.jaas.config}, an
 * unknown value of a Kafka setting, a key or trust store it cannot load: missing, malformed PEM, wrong password),
 * found in a failure's causes: bad input, which the command reports as such
 * instead of as a bug in keel. Only failures raised by the Kafka client's code count, so that an
 * {@link IllegalArgumentException} of keel's own stays a bug. The reason is shown as {@link ClientSetupFailures} says
 * it: passwords, a URL's user info and a secret setting's value masked, a JAAS line's tokens never quoted.
 */
public final class ClientConfigRefusals {

    private static final String KAFKA = "org.apache.kafka.";
    private static final String CONFIG_EXCEPTION = "org.apache.kafka.common.config.ConfigException";
    /** The client's own failures of its setup, by class name (it need not be on this module's class path). */
    private static final Set<String> SETUP_FAILURES = Set.of(CONFIG_EXCEPTION,
            "org.apache.kafka.common.errors.InvalidConfigurationException",
            "org.apache.kafka.common.errors.SslAuthenticationException");

    private ClientConfigRefusals() {
    }

    /** What to tell the user when {@code failure} is the Kafka client refusing its configuration; empty otherwise. */
    public static Optional<String> of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClientConfigRefusedException refused) { // an adapter's: its reason is masked already
                return Optional.of(refused(refused.reason()));
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String type = ClientSetupFailures.className(t);
            boolean configError = type.equals(IllegalArgumentException.class.getName()) || type.equals(CONFIG_EXCEPTION);
            if (configError && raisedByKafka(t)) {
                // said as ClientSetupFailures says it: a JAAS parser's message without its tokens, secrets masked
                return Optional.of(refused(ClientSetupFailures.reason(t, KAFKA)));
            }
        }
        return setupFailure(failure).map(ClientConfigRefusals::refused);
    }

    private static String refused(String reason) {
        return "the Kafka client refused its configuration (--kafka-config, --kafka-tls-config, --kafka-property): "
                + masked(reason) + ". Fix the setting it names and run again.";
    }

    /**
     * The reason of a Kafka client that could not be created ({@code Failed to create new KafkaAdminClient}, {@code
     * Failed to construct kafka producer}) because of its settings: a key or trust store that cannot be loaded (a
     * file missing or unreadable, a wrong password, a malformed PEM), an invalid configuration. Said as the chain's
     * messages below the creation's, down to the first that is not the client's own, named by its class.
     */
    private static Optional<String> setupFailure(Throwable failure) {
        boolean creating = false;
        boolean setup = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            creating |= ClientSetupFailures.className(t).startsWith(KAFKA)
                    && (message.startsWith("Failed to create new") || message.startsWith("Failed to construct kafka"));
            setup |= SETUP_FAILURES.contains(ClientSetupFailures.className(t)) || t instanceof GeneralSecurityException
                    || t instanceof NoSuchFileException || t instanceof AccessDeniedException
                    || t instanceof FileNotFoundException;
        }
        if (!creating || !setup) {
            return Optional.empty();
        }
        return Optional.of(ClientSetupFailures.reason(failure, KAFKA));
    }

    private static boolean raisedByKafka(Throwable t) {
        StackTraceElement[] stack = t.getStackTrace();
        return stack.length > 0 && stack[0].getClassName().startsWith(KAFKA)
                || ClientSetupFailures.className(t).startsWith(KAFKA);
    }

    /** {@code reason} with its secrets masked: passwords, a URL's user info, a secret setting's quoted value. */
    static String masked(String reason) {
        return ClientSetupFailures.mask(reason);
    }
}
