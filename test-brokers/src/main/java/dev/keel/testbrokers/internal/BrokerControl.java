package dev.keel.testbrokers.internal;

/**
 * Lifecycle of one broker the harness provides. Not public API: tests reach it through
 * {@link dev.keel.testbrokers.BrokerEndpoint}.
 */
public interface BrokerControl {

    /** Whether {@link #kill()} and {@link #restart()} are available. */
    boolean supportsFaults();

    /** Ends the broker abruptly (kill -9, or {@code rabbitmqctl stop_app}) and returns once it is gone. */
    void kill();

    /** Starts the broker again on the same ports and data, killing it first if it runs; returns once it serves. */
    void restart();

    /** Releases the broker at the end of the run: idempotent, quick, never throws, never waits for a lock. */
    void stop();
}
