package dev.keel.metrics;

/**
 * Countable events Keel reports to a {@link MetricsRecorder}. {@link #DEAD_LETTER_FAILED} counts
 * messages parked because neither their dead letter nor its truncated copy was accepted (once per
 * message; the dead-lettering goes on with backoff). {@link #CLAIM_BUSY} counts messages whose id
 * another consumer held when they came to run: each waits (off its lane, its key held back) and is
 * claimed again with the other waiting messages in one batch; counted once per wait, not per try.
 * {@link #LANE_STALLED} counts stall episodes of a lane: its current message held it for longer than
 * the stall threshold (once per episode, however long it lasts; see {@link MetricGauge#STALLED_LANES}).
 * {@link #FILTERED} counts messages the subscription's header filter skipped in the client (acknowledged
 * unhandled); messages a broker filtered never reach the client and are not counted.
 */
public enum MetricEvent {
    PUBLISHED, CONFIRMED, PUBLISH_FAILED,
    DELIVERED, HANDLED, DUPLICATE_SKIPPED, RETRIED, DEAD_LETTERED, LEASE_LOST, STORE_UNAVAILABLE,
    DEAD_LETTER_FAILED, CLAIM_BUSY, LANE_STALLED, FILTERED
}
