package dev.keel.rabbit.internal;

import com.rabbitmq.client.BlockedListener;
import dev.keel.BrokerUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether RabbitMQ takes publishes on one connection. During a memory or disk alarm the broker
 * sends {@code connection.blocked} and stops reading from connections that publish, so a write
 * would wait, holding its caller, until the alarm clears; {@code connection.unblocked} ends it.
 * While blocked, publishes fail at once (retriable) instead of writing.
 */
final class PublishGate implements BlockedListener {

    private static final Logger LOG = LoggerFactory.getLogger(PublishGate.class);

    private final String role;
    private volatile String blockedBy;

    PublishGate(String role) {
        this.role = role;
    }

    @Override
    public void handleBlocked(String reason) {
        blockedBy = reason == null || reason.isBlank() ? "resource alarm" : reason;
        LOG.warn("RabbitMQ blocks publishing on the {} connection ({}): publishes fail until it unblocks", role,
                blockedBy);
    }

    @Override
    public void handleUnblocked() {
        blockedBy = null;
        LOG.info("RabbitMQ unblocked the {} connection", role);
    }

    boolean isBlocked() {
        return blockedBy != null;
    }

    /** The connection is gone: whether it was blocked says nothing about the next one. */
    void forget() {
        blockedBy = null;
    }

    /** @throws BrokerUnavailableException (retriable) while RabbitMQ blocks this connection */
    void check() {
        String reason = blockedBy;
        if (reason != null) {
            throw new BrokerUnavailableException("RabbitMQ is blocking publishers (" + reason + "): a memory or disk"
                    + " alarm is in effect on the broker; retry later", null);
        }
    }
}
