package dev.keel.core.internal.chain;

import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.spi.InboundRecord;
import java.util.OptionalInt;

/** Reads a delivered message's priority back from its {@link KeelHeaders#PRIORITY} header. */
public final class Priorities {

    private Priorities() {
    }

    /** The priority the header holds; empty when absent or not a priority (a plain client's header). */
    public static OptionalInt of(InboundRecord record) {
        String value = record.headers().get(KeelHeaders.PRIORITY);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            int priority = Integer.parseInt(value.trim());
            return priority >= Message.MIN_PRIORITY && priority <= Message.MAX_PRIORITY ? OptionalInt.of(priority)
                    : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
