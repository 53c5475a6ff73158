package dev.keel.metrics;

/**
 * Live values a subscription reports through {@link MetricsRecorder#gauge}, to see its progress:
 * <ul>
 *   <li>{@link #UNACKNOWLEDGED}: messages received from the broker and not finished yet (neither
 *   acknowledged nor given back for redelivery): running, waiting in their lane, retrying, waiting to
 *   be marked done, waiting for a claim, or parked. The consumer's own lag; the broker's backlog
 *   beyond what it delivered is not included.</li>
 *   <li>{@link #BUSY_WAITING}: messages waiting because another consumer holds their id (see
 *   {@link MetricEvent#CLAIM_BUSY}).</li>
 *   <li>{@link #STALLED_LANES}: lanes whose current message has held them for longer than the stall
 *   threshold (30 s): a slow or blocked handler, or long retries or dead-lettering.</li>
 *   <li>{@link #BROKER_BACKLOG}: records of the subscription's partitions still on the broker (or
 *   fetched and not yet received), as of the consumer's last fetch; registered only where the adapter
 *   can tell cheaply ({@code BrokerConsumer.backlog()}: Kafka does).</li>
 *   <li>{@link #IN_FLIGHT_BYTES}: the payload bytes of the messages counted in flight
 *   ({@link MetricsRecorder#inFlight}), which {@code SubscriptionConfig.maxInFlightBytes} bounds: a subscription
 *   paused on its bytes shows them near that bound while its count in flight stays low. Headers are not counted;
 *   a value past {@link Integer#MAX_VALUE} reads as {@link Integer#MAX_VALUE}.</li>
 * </ul>
 */
public enum MetricGauge {
    UNACKNOWLEDGED, BUSY_WAITING, STALLED_LANES, BROKER_BACKLOG, IN_FLIGHT_BYTES
}
