package dev.keel.spi;

import dev.keel.PublishReceipt;
import java.util.concurrent.CompletionStage;

/**
 * An adapter's publishing side, shared by the publishers of one {@link BrokerAdapter}. Thread-safe.
 * The stage completes only on broker confirmation, or exceptionally with a
 * {@link dev.keel.KeelException} (typed, with {@code isRetriable()} set truthfully).
 */
public interface BrokerProducer extends AutoCloseable {

    CompletionStage<PublishReceipt> send(OutboundRecord record);

    /** Flushes or fails every pending send; none is left hanging. */
    @Override
    void close();
}
