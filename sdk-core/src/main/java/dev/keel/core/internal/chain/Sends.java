package dev.keel.core.internal.chain;

import dev.keel.KeelTimeoutException;
import dev.keel.PublishReceipt;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The engine's own sends (retry copies and dead letters), each bounded by the publish timeout. */
public final class Sends {


    private final Supplier<BrokerProducer> producer;
    private final Delays delays;
    private final Duration timeout;

    public Sends(Supplier<BrokerProducer> producer, Delays delays, Duration timeout) {
        this.producer = producer;
        this.delays = delays;
        this.timeout = timeout;
    }

    /** One send; a timed-out one may still arrive (a copy with the same id). */
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        return delays.within(timeout, () -> producer.get().send(record), () -> new KeelTimeoutException(
                "message " + record.id() + " not confirmed by " + record.topic() + " within " + timeout
                        + "; it may still arrive, with the same id"));
    }
}
