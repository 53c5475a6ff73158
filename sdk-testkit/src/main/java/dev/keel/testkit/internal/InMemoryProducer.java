package dev.keel.testkit.internal;

import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A client's producer: a send is stored and confirmed at once (its stage completes with the
 * partition number and offset), unless a fault fails or holds it, or its text has no UTF-8 form
 * (refused, not retriable, as a real broker's client would). Thread-safe.
 */
final class InMemoryProducer implements BrokerProducer {

    private final BrokerState broker;
    private volatile boolean closed;

    InMemoryProducer(BrokerState broker) {
        this.broker = broker;
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        Objects.requireNonNull(record, "record");
        PublishException refusal = EncodableText.refusal(record);
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        if (broker.delays().isDelayed(record)) {
            return broker.delays().schedule(record);
        }
        return broker.publish(this, record);
    }

    boolean isClosed() {
        return closed;
    }

    /** Nothing is buffered except held publishes, which fail with {@link dev.keel.ClosedException}. */
    @Override
    public void close() {
        closed = true;
        broker.failHeld(this);
    }
}
