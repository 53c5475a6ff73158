package dev.keel;

import java.time.Duration;

/**
 * A delayed publish whose delivery time lies further ahead than the broker (or the adapter's
 * configuration) allows. Not retriable: publish with a shorter delay, or raise the limit where the
 * adapter's documentation says how.
 */
public class DelayTooLongException extends PublishException {
    private static final long serialVersionUID = 1L;

    private final Duration requested;
    private final Duration max;

    public DelayTooLongException(String id, Duration requested, Duration max, String howToRaise) {
        super("message " + id + " is delayed by " + requested + ", over the maximum delay of " + max
                + ": publish it with a shorter delay" + (howToRaise == null ? "" : ", or " + howToRaise), null, false);
        this.requested = requested;
        this.max = max;
    }

    /** The delay the message asked for (from the send). */
    public Duration requested() {
        return requested;
    }

    /** The largest delay the adapter accepts. */
    public Duration max() {
        return max;
    }
}
