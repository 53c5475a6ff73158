package dev.keel.core.internal.publish;

import dev.keel.Message;
import dev.keel.spi.OutboundRecord;
import java.time.Instant;

/** When a message is due, and the error for a delayed publish on an adapter that cannot delay. */
public final class DelayedPublishes {

    private DelayedPublishes() {
    }

    /**
     * The message's due time: {@code deliverAt}, or {@code now} (the publish time) plus {@code delay}; {@code null}
     * when it has neither, or when that time is not after now (it is then published at once).
     */
    static Instant dueTime(Message message, Instant now) {
        Instant due = message.deliverAt() != null ? message.deliverAt()
                : message.delay() != null ? now.plus(message.delay()) : null;
        return due != null && due.isAfter(now) ? due : null;
    }

    public static IllegalArgumentException unsupported(OutboundRecord record) {
        return new IllegalArgumentException("message " + record.id() + " to '" + record.topic()
                + "' has a delivery time, but this broker adapter does not declare DELAYED_DELIVERY: publish it "
                + "without deliverAt/delay, or use an adapter that supports delayed delivery");
    }
}
