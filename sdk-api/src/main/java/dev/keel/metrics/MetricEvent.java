package dev.keel.metrics;

/**
 * Countable events Keel reports to a {@link MetricsRecorder}. {@link #DEAD_LETTER_FAILED} counts
 * messages parked because neither their dead letter nor its truncated copy was accepted (once per
 * message; the dead-lettering goes on with backoff).
 */
public enum MetricEvent {
    PUBLISHED, CONFIRMED, PUBLISH_FAILED,
    DELIVERED, HANDLED, DUPLICATE_SKIPPED, RETRIED, DEAD_LETTERED, LEASE_LOST, STORE_UNAVAILABLE,
    DEAD_LETTER_FAILED
}
