package dev.keel.retry;

import java.util.Objects;

/**
 * Where messages go that failed their last attempt or could not be decoded: by default the topic
 * {@code <topic>.DLT}. A dead letter is published with broker confirmation, with the cause,
 * attempts and origin in {@link dev.keel.KeelHeaders} {@code keel-dlt-*} headers, before the
 * original is acknowledged; if that publish fails, the original is not acknowledged and the
 * dead-lettering is retried.
 */
public final class DeadLetterPolicy {

    public static final String DEFAULT_SUFFIX = ".DLT";

    private final String suffix;
    private final String destination;

    private DeadLetterPolicy(String suffix, String destination) {
        this.suffix = suffix;
        this.destination = destination;
    }

    /** {@code <topic>.DLT}. */
    public static DeadLetterPolicy ofDefaults() {
        return withSuffix(DEFAULT_SUFFIX);
    }

    /** {@code <topic><suffix>}. */
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

    /** The dead-letter topic for messages from {@code topic}. */
    public String destinationFor(String topic) {
        return destination != null ? destination : topic + suffix;
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
        return destination != null ? "DeadLetterPolicy{topic=" + destination + "}"
                : "DeadLetterPolicy{suffix=" + suffix + "}";
    }
}
