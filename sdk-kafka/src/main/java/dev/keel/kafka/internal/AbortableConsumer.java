package dev.keel.kafka.internal;

import dev.keel.spi.BrokerConsumer;

/** A Kafka consumer of a subscription that can also leave as a crash would, for this module's tests (not in the SPI). */
public interface AbortableConsumer extends BrokerConsumer {

    /** Stops as a crash would: acknowledges nothing more; what was not acknowledged goes to the rest of the group. */
    void abort();
}
