package dev.keel;

/**
 * The broker had nowhere to put the message: the topic does not exist, or (RabbitMQ) no consumer
 * group is bound to it. Declare the topology with {@code ensureTopology} first. Not retriable.
 */
public class UnroutableException extends PublishException {
    private static final long serialVersionUID = 1L;
    public UnroutableException(String message) {
        super(message, null, false);
    }

    public UnroutableException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
