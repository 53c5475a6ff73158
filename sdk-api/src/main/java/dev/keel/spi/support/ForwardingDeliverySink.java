package dev.keel.spi.support;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A sink that passes every call to another one, revocations, failures and outages included: extend it and
 * override {@link #accept} to see or change records on their way to the engine.
 */
public class ForwardingDeliverySink implements DeliverySink {

    private final DeliverySink delegate;

    public ForwardingDeliverySink(DeliverySink delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public void accept(List<InboundRecord> records) {
        delegate.accept(records);
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        return delegate.revoke(partitions);
    }

    @Override
    public void failed(Throwable cause) {
        delegate.failed(cause);
    }

    @Override
    public void disconnected(Throwable cause) {
        delegate.disconnected(cause);
    }

    @Override
    public void reconnected() {
        delegate.reconnected();
    }
}
