package dev.keel.jms.internal;

import dev.keel.spi.OutboundRecord;

/**
 * One publishing session, driven by one thread only (but {@link #abandon}): it sends a lane's records in the
 * order they come, so a key's messages reach the broker in publish order. {@link SendLane} waits for each
 * send; {@link PipelinedLane} keeps several in flight.
 */
interface Lane {
    /**
     * Sends {@code record} persistently and tells {@code outcome} once the broker stored it or the send failed:
     * before returning ({@link SendLane}), or later, from the client's thread ({@link PipelinedLane}).
     */
    void send(OutboundRecord record, int partitions, SendOutcome outcome);

    /** Waits up to the close timeout for the sends in flight, then closes the session and fails what is left. */
    void close();

    /** From any thread, when the lane's thread did not finish closing in time: fails every send still in flight. */
    void abandon();
}
