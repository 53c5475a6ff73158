package dev.keel.retry;

import java.util.Objects;
import java.util.Optional;

/**
 * Where messages go that failed their last attempt or could not be decoded. By default the broker
 * adapter names the dead-letter topic ({@code BrokerAdapter.defaultDeadLetterTopic}:
 * {@code <topic>.DLT} on Kafka and RabbitMQ). The subscription ensures that topic exists when it
 * starts, with its group keeping the dead letters: it needs no declaring. A dead letter is
 * published with broker confirmation, with the cause, attempts and origin in
 * {@link dev.keel.KeelHeaders} {@code keel-dlt-*} headers, before the original is acknowledged; if
 * that publish fails, the original is not acknowledged and the dead-lettering is retried.
 */
public final class DeadLetterPolicy {

    /** The suffix of the default dead-letter topic on brokers that allow it: {@code <topic>.DLT}. */
    public static final String DEFAULT_SUFFIX = ".DLT";

    private static final DeadLetterPolicy DEFAULTS = new DeadLetterPolicy(null, null);

    private final String suffix;
    private final String destination;

    private DeadLetterPolicy(String suffix, String destination) {
        this.suffix = suffix;
        this.destination = destination;
    }

    /** The broker adapter's default dead-letter topic: {@code <topic>.DLT} on Kafka and RabbitMQ. */
    public static DeadLetterPolicy ofDefaults() {
        return DEFAULTS;
    }

    /** {@code <topic><suffix>}, whatever the broker. */
    public static DeadLetterPolicy withSuffix(String suffix) {
        if (suffix == null || suffix.isBlank()) {
            throw new IllegalArgumentException("dead-letter suffix must not be blank");
        }
        return new DeadLetterPolicy(suffix, null);
    }

    /** One fixed dead-letter topic whatever the origin. */
    public static DeadLetterPolicy toTopic(String destination) {
        if (destination == null || destination.isBlank()) {
            throw new IllegalArgumentException("dead-letter topic must not be blank");
        }
        return new DeadLetterPolicy(null, destination);
    }

    /**
     * The dead-letter topic for messages from {@code topic}; empty under {@link #ofDefaults()},
     * where the broker adapter names it.
     */
    public Optional<String> destinationFor(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (destination != null) {
            return Optional.of(destination);
        }
        return suffix != null ? Optional.of(topic + suffix) : Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetterPolicy p && Objects.equals(p.suffix, suffix)
                && Objects.equals(p.destination, destination);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suffix, destination);
    }

    @Override
    public String toString() {
        if (destination != null) {
            return "DeadLetterPolicy{topic=" + destination + "}";
        }
        return suffix != null ? "DeadLetterPolicy{suffix=" + suffix + "}" : "DeadLetterPolicy{adapter default}";
    }
}
