package dev.keel.rabbit.internal;

import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.UnroutableException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RabbitMQ's refusal of a publish to an exchange that does not exist (deleted after this process
 * learned the topic): it closes the publishing channel with {@code 404 NOT_FOUND - no exchange 'X'
 * in vhost 'V'} at the first publish to {@code X} it processes, and discards what the channel sent
 * after it. The latest publish pending on the channel to {@code X} is therefore the refused one or
 * one sent after it: in neither case stored, and a retry would be refused the same way, so it fails
 * as unroutable. Earlier publishes to {@code X} may have been routed before the exchange went, and
 * publishes to other exchanges were discarded or may have been stored: they fail as retriable.
 *
 * @param exchange the exchange RabbitMQ did not find
 */
record MissingExchange(String exchange) {

    private static final Pattern TEXT = Pattern.compile("NOT_FOUND - no exchange '([^']*)' in vhost");

    /** The missing exchange {@code cause} names, or empty when the channel closed for another reason. */
    static Optional<MissingExchange> of(ShutdownSignalException cause) {
        if (cause == null || cause.isHardError() || BrokerCalls.replyCode(cause) != BrokerCalls.NOT_FOUND) {
            return Optional.empty();
        }
        Matcher m = TEXT.matcher(BrokerCalls.replyText(cause));
        return m.find() ? Optional.of(new MissingExchange(m.group(1))) : Optional.empty();
    }

    /** Whether {@code publish} was sent to the missing exchange. */
    boolean covers(PendingPublish publish) {
        return exchange.equals(publish.exchange());
    }

    /** The refused publish's failure: not retriable, saying to declare the topic. */
    UnroutableException refusal(PendingPublish publish, ShutdownSignalException cause) {
        return new UnroutableException("topic '" + publish.topic() + "' does not exist on RabbitMQ any more (RabbitMQ"
                + " refused message " + publish.messageId() + ": no exchange '" + exchange + "'; it was deleted after"
                + " this process first used the topic): declare it and its consumer groups with ensureTopology", cause);
    }
}
