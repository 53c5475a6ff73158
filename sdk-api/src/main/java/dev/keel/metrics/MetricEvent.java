package dev.keel.metrics;

/** Countable events Keel reports to a {@link MetricsRecorder}. */
public enum MetricEvent {
    PUBLISHED, CONFIRMED, PUBLISH_FAILED,
    DELIVERED, HANDLED, DUPLICATE_SKIPPED, RETRIED, DEAD_LETTERED, LEASE_LOST, STORE_UNAVAILABLE
}
