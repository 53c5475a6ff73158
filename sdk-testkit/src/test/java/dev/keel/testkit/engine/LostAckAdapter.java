package dev.keel.testkit.engine;

import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.ForwardingBrokerAdapter;
import dev.keel.spi.support.ForwardingDeliverySink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of a broker whose consumers lose the first acknowledgement of one message id: the ack
 * never reaches the broker, as if the process died right before it. With {@link dev.keel.testkit.Crash}
 * this lands a crash exactly between what the engine did before the ack (a confirmed dead letter,
 * say) and the ack itself.
 */
final class LostAckAdapter extends ForwardingBrokerAdapter {

    private final String id;
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final CompletableFuture<Void> lost = new CompletableFuture<>();

    LostAckAdapter(BrokerAdapter delegate, String id) {
        super(delegate);
        this.id = id;
    }

    /** Completes when the first ack of the id was attempted, and lost. */
    CompletableFuture<Void> ackLost() {
        return lost;
    }

    @Override
    protected DeliverySink sinkFor(ConsumerSettings settings, DeliverySink engineSink) {
        return new ForwardingDeliverySink(engineSink) {
            @Override
            public void accept(List<InboundRecord> records) {
                super.accept(records.stream().map(LostAckAdapter.this::losingAck).toList());
            }
        };
    }

    private InboundRecord losingAck(InboundRecord r) {
        if (!r.id().equals(id)) {
            return r;
        }
        return new InboundRecord(r.topic(), r.partition(), r.position(), r.id(), r.key(), r.headers(), r.payload(),
                r.timestamp(), r.deliveryCount(), () -> {
                    if (armed.compareAndSet(true, false)) {
                        lost.complete(null);
                    } else {
                        r.ack();
                    }
                });
    }
}
