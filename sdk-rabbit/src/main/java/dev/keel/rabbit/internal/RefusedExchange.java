package dev.keel.rabbit.internal;

import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.AccessRefusedException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RabbitMQ's refusal of a publish the user may not make (no write permission on the exchange): it closes the
 * publishing channel with {@code 403 ACCESS_REFUSED - access to exchange 'X' in vhost 'V' refused for user 'U'} at the
 * first publish to {@code X} it processes, and discards what the channel sent after it. As for a
 * {@link MissingExchange}, the latest publish pending to {@code X} is the refused one or one sent after it: not stored,
 * and a retry would be refused the same way, so it fails with an {@link AccessRefusedException}; the other pending
 * publishes fail as retriable (a retry of one to {@code X} is refused at once, the same way).
 *
 * @param exchange the exchange the user may not write to
 * @param text     what RabbitMQ said
 */
record RefusedExchange(String exchange, String text) {

    private static final Pattern TEXT = Pattern.compile("ACCESS_REFUSED - access to exchange '([^']*)' in vhost");

    /** The refusal {@code cause} reports, or empty when the channel closed for another reason. */
    static Optional<RefusedExchange> of(ShutdownSignalException cause) {
        if (cause == null || cause.isHardError() || BrokerCalls.replyCode(cause) != BrokerCalls.ACCESS_REFUSED) {
            return Optional.empty();
        }
        String text = BrokerCalls.replyText(cause);
        Matcher m = TEXT.matcher(text);
        return m.find() ? Optional.of(new RefusedExchange(m.group(1), text)) : Optional.empty();
    }

    /** The exchange {@code exchange} names: the default exchange, {@code ""} to a client, is {@code amq.default}. */
    static String named(String exchange) {
        return exchange.isEmpty() ? "amq.default" : exchange;
    }

    /** Whether {@code publish} was sent to the refused exchange. */
    boolean covers(PendingPublish publish) {
        return exchange.equals(named(publish.exchange()));
    }

    /** The refused publish's failure: not retriable, saying what to grant. */
    AccessRefusedException refusal(PendingPublish publish, ShutdownSignalException cause) {
        return new AccessRefusedException("RabbitMQ refused message " + publish.messageId() + " to topic '"
                + publish.topic() + "' (" + text + "): the user needs the write permission on exchange '" + exchange
                + "' (rabbitmqctl set_permissions, the write pattern; docs/security.md lists what Keel needs);"
                + " retrying cannot help", cause);
    }
}
