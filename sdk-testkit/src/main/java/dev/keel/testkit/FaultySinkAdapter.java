package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.ForwardingBrokerAdapter;
import dev.keel.spi.support.ForwardingDeliverySink;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real adapter with one fault on the engine's side of the SPI: the engine's
 * {@link DeliverySink#accept} throws {@code fault} once, for the first batch of the given group
 * (an {@link Error} or a {@link RuntimeException}). What an adapter must do then: fail the
 * subscription with the cause ({@link DeliverySink#failed}), never stall in silence. Closing it
 * closes the wrapped adapter.
 */
public final class FaultySinkAdapter extends ForwardingBrokerAdapter {

    private final String faultyGroup;
    private final AtomicReference<Throwable> fault;

    public FaultySinkAdapter(BrokerAdapter adapter, String faultyGroup, Throwable fault) {
        super(adapter);
        this.faultyGroup = faultyGroup;
        this.fault = new AtomicReference<>(fault);
    }

    @Override
    protected DeliverySink sinkFor(ConsumerSettings settings, DeliverySink engineSink) {
        if (!settings.group().equals(faultyGroup)) {
            return engineSink;
        }
        return new ForwardingDeliverySink(engineSink) {
            @Override
            public void accept(List<InboundRecord> records) {
                Throwable once = fault.getAndSet(null);
                if (once instanceof RuntimeException e) {
                    throw e;
                }
                if (once instanceof Error e) {
                    throw e;
                }
                super.accept(records);
            }
        };
    }
}
