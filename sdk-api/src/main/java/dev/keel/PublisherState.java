package dev.keel;

/**
 * Whether the shared publisher accepts publishes, as its circuit breaker sees it. A health check
 * reports {@link #CIRCUIT_OPEN} as down: publishes fail fast with
 * {@link BrokerUnavailableException} until the breaker lets trial publishes through again.
 */
public enum PublisherState {
    /** Publishes go to the broker (the circuit breaker is closed). */
    ACCEPTING,
    /** After an open period, a few trial publishes go to the broker; their outcome closes or reopens the breaker. */
    CIRCUIT_HALF_OPEN,
    /** Repeated retriable failures opened the circuit breaker: publishes fail fast without reaching the broker. */
    CIRCUIT_OPEN,
    /** The publisher (its Keel) is closed. */
    CLOSED
}
