package dev.keel.metrics;

/**
 * Countable events Keel reports to a {@link MetricsRecorder}. {@link #DEAD_LETTER_FAILED} counts
 * messages parked because neither their dead letter nor its truncated copy was accepted (once per
 * message; the dead-lettering goes on with backoff), and, under {@code DeadLetterPolicy.none()},
 * messages parked after their last attempt failed (handled again until one succeeds). {@link #CLAIM_BUSY} counts messages whose id
 * another consumer held when they came to run: each waits (off its lane, its key held back) and is
 * claimed again with the other waiting messages in one batch; counted once per wait, not per try.
 * {@link #LANE_STALLED} counts stall episodes of a lane: its current message held it for longer than
 * the stall threshold (once per episode, however long it lasts; see {@link MetricGauge#STALLED_LANES}).
 * {@link #FILTERED} counts messages the subscription acknowledged unhandled in the client: those its header
 * filter skipped, copies re-driven from a dead-letter topic for another group (or another instance of
 * its broadcast group), and on a retry topic another subscription's retry copies (two subscriptions whose retry topic
 * names collide, see {@link dev.keel.KeelHeaders#RETRY_ORIGIN_GROUP}); messages a broker filtered never reach the client and are not counted.
 * {@link #OUTBOX_PARKED} counts rows the transactional outbox's relay (module {@code sdk-outbox-jdbc})
 * parked in its table because the broker or the publisher refused them for good, tagged with the row's
 * topic and no group.
 */
public enum MetricEvent {
    PUBLISHED, CONFIRMED, PUBLISH_FAILED,
    DELIVERED, HANDLED, DUPLICATE_SKIPPED, RETRIED, DEAD_LETTERED, LEASE_LOST, STORE_UNAVAILABLE,
    DEAD_LETTER_FAILED, CLAIM_BUSY, LANE_STALLED, FILTERED, OUTBOX_PARKED
}
