package dev.keel.rabbit.internal;

import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.SharedChannelClosedException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RabbitMQ's refusal of a message over its {@code max_message_size}: it closes the publishing channel
 * with {@code 406 PRECONDITION_FAILED - message size N is larger than [configured ]max size M}. The
 * refused publish is the earliest one pending on the channel with a payload over {@code M} bytes; it
 * would be refused again, so it fails for good. The channel's other pending publishes fail as
 * retriable: those written before it may have been stored, those after it were discarded.
 *
 * @param size  the refused message's size, as RabbitMQ reports it (its payload)
 * @param limit the node's {@code max_message_size}
 */
record SizeRefusal(long size, long limit) {

    /** What to do about a message over the node's limit. */
    static final String ADVICE = "Send less (put large data elsewhere and send a reference), or raise the node's"
            + " max_message_size; set RabbitConfig.maxMessageSize to the node's limit";

    private static final Pattern TEXT = Pattern.compile("message size (\\d+) is larger than (?:configured )?max size"
            + " (\\d+)");

    /** The refusal {@code cause} reports, or empty when the channel closed for another reason. */
    static Optional<SizeRefusal> of(ShutdownSignalException cause) {
        if (cause == null || cause.isHardError() || BrokerCalls.replyCode(cause) != BrokerCalls.PRECONDITION_FAILED) {
            return Optional.empty();
        }
        Matcher m = TEXT.matcher(BrokerCalls.replyText(cause));
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SizeRefusal(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code publish} is over the limit: one that RabbitMQ refuses. */
    boolean covers(PendingPublish publish) {
        return publish.size() > limit;
    }

    /** The refused publish's failure: not retriable, naming both limits and what to do. */
    PublishException refusal(PendingPublish publish, ShutdownSignalException cause) {
        return new PublishException("RabbitMQ refused message " + publish.messageId() + " to " + publish.topic()
                + " for good: its payload is " + publish.size() + " bytes, over the node's max_message_size of "
                + limit + " bytes. " + ADVICE + " so that such a message is refused before it is sent (RabbitMQ closes"
                + " the publishing channel when it refuses one)", cause, false);
    }

    /** The failure of another publish pending on the channel RabbitMQ closed: retriable. */
    KeelException beside(ShutdownSignalException cause) {
        return new SharedChannelClosedException("RabbitMQ closed the publishing channel after refusing another message"
                + " on it as larger than its max_message_size (" + limit + " bytes) before it confirmed this one; it"
                + " may or may not have been stored: retry with the same id", cause);
    }
}
