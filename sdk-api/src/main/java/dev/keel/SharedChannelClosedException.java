package dev.keel;

/**
 * A publish failed because the broker refused <em>another</em> message that shared its channel, and closed that
 * channel (RabbitMQ does so for a message to an exchange that does not exist, over its size limit, or that the user
 * may not write), failing what was pending on it. This publish may or may not have been stored: retry it with the
 * same id. Retriable; it says nothing of the broker's health or of this message's topic, so it does not count
 * towards the topic's circuit breaker.
 */
public class SharedChannelClosedException extends KeelException {
    private static final long serialVersionUID = 1L;

    public SharedChannelClosedException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
