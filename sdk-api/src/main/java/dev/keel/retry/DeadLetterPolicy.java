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

    private static final DeadLetterPolicy DEFAULTS = new DeadLetterPolicy(null, null, true);
    private static final DeadLetterPolicy NONE = new DeadLetterPolicy(null, null, false);

    private final String suffix;
    private final String destination;
    private final boolean enabled;

    private DeadLetterPolicy(String suffix, String destination, boolean enabled) {
        this.suffix = suffix;
        this.destination = destination;
        this.enabled = enabled;
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
        return new DeadLetterPolicy(suffix, null, true);
    }

    /** One fixed dead-letter topic whatever the origin. */
    public static DeadLetterPolicy toTopic(String destination) {
        if (destination == null || destination.isBlank()) {
            throw new IllegalArgumentException("dead-letter topic must not be blank");
        }
        return new DeadLetterPolicy(null, destination, true);
    }

    /**
     * No dead-letter topic, for subscriptions that read dead letters themselves (a subscription to
     * {@code orders.DLT} would otherwise get an {@code orders.DLT.DLT} of its own). A message that
     * fails its last attempt, or cannot be decoded, is then logged at ERROR (counted as
     * {@code DEAD_LETTER_FAILED}), parked and handled again, one attempt at a time with backoff
     * growing to one minute, until an attempt succeeds: it stays unacknowledged meanwhile (nothing is
     * lost), its key's later messages wait behind it (per-key order holds), other keys go on, and its
     * in-flight slot is given back. A close or a rebalance gives it up, unacknowledged, for the next
     * consumer. On RabbitMQ a message kept unacknowledged beyond the broker's
     * {@code consumer_timeout} (30 minutes by default) makes the broker close the channel, and the
     * message is delivered again.
     *
     * <p>A dead letter (it carries {@code keel-dlt-reason}) that such a subscription cannot decode is not
     * parked: decoding it again would never succeed. It reaches the handler with a {@code null}
     * {@link dev.keel.Delivery#payload() payload} and its bytes in {@code message().payload()}, so a reader
     * typed like its origin also gets the letters dead-lettered because they could not be decoded
     * ({@code keel-dlt-reason} {@code decode}).
     */
    public static DeadLetterPolicy none() {
        return NONE;
    }

    /** False for {@link #none()}: failed messages are not dead-lettered. */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * The dead-letter topic for messages from {@code topic}; empty under {@link #ofDefaults()},
     * where the broker adapter names it, and under {@link #none()}.
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
                && Objects.equals(p.destination, destination) && p.enabled == enabled;
    }

    @Override
    public int hashCode() {
        return Objects.hash(suffix, destination, enabled);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "DeadLetterPolicy{none}";
        }
        if (destination != null) {
            return "DeadLetterPolicy{topic=" + destination + "}";
        }
        return suffix != null ? "DeadLetterPolicy{suffix=" + suffix + "}" : "DeadLetterPolicy{adapter default}";
    }
}
