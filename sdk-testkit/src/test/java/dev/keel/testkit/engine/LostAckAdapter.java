package dev.keel.testkit.engine;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of a broker whose consumers lose the first acknowledgement of one message id: the ack
 * never reaches the broker, as if the process died right before it. With {@link dev.keel.testkit.Crash}
 * this lands a crash exactly between what the engine did before the ack (a confirmed dead letter,
 * say) and the ack itself.
 */
final class LostAckAdapter implements BrokerAdapter {

    private final BrokerAdapter delegate;
    private final String id;
    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final CompletableFuture<Void> lost = new CompletableFuture<>();

    LostAckAdapter(BrokerAdapter delegate, String id) {
        this.delegate = delegate;
        this.id = id;
    }

    /** Completes when the first ack of the id was attempted, and lost. */
    CompletableFuture<Void> ackLost() {
        return lost;
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void ensureTopology(TopicSpec topic) {
        delegate.ensureTopology(topic);
    }

    @Override
    public BrokerProducer producer() {
        return delegate.producer();
    }

    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        BrokerConsumer consumer = delegate.consumer(settings);
        return new BrokerConsumer() {
            @Override
            public void start(DeliverySink sink) {
                consumer.start(new DeliverySink() {
                    @Override
                    public void accept(List<InboundRecord> records) {
                        sink.accept(records.stream().map(LostAckAdapter.this::losingAck).toList());
                    }

                    @Override
                    public CompletionStage<Void> revoke(Collection<String> partitions) {
                        return sink.revoke(partitions);
                    }
                });
            }

            @Override
            public void pause() {
                consumer.pause();
            }

            @Override
            public void resume() {
                consumer.resume();
            }

            @Override
            public CompletionStage<Void> close() {
                return consumer.close();
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

    @Override
    public void close() {
        delegate.close();
    }
}
