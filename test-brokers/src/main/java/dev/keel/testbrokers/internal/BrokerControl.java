package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.FaultInjectionUnsupportedException;

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

    /**
     * Freezes the broker process (SIGSTOP): it keeps its connections open and answers nothing until {@link #resume()}.
     * Only where the harness runs the process and offers it (the RocketMQ broker); others throw.
     *
     * @throws FaultInjectionUnsupportedException when this broker cannot be paused
     */
    default void pause() {
        throw new FaultInjectionUnsupportedException("pause() is unsupported by " + getClass().getSimpleName());
    }

    /**
     * Lets a {@link #pause() paused} broker run again (SIGCONT); nothing happens when it runs.
     *
     * @throws FaultInjectionUnsupportedException when this broker cannot be paused
     */
    default void resume() {
        throw new FaultInjectionUnsupportedException("resume() is unsupported by " + getClass().getSimpleName());
    }

    /** Releases the broker at the end of the run: idempotent, quick, never throws, never waits for a lock. */
    void stop();
}
