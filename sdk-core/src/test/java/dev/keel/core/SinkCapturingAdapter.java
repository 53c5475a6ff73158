package dev.keel.core;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An adapter whose consumer only hands its sink to the test, which plays the broker: the test
 * calls {@link DeliverySink#accept} with the records it wants, in the order it wants. Consumes
 * only: it has no producer.
 */
final class SinkCapturingAdapter implements BrokerAdapter {

    private final AtomicReference<DeliverySink> sink;

    SinkCapturingAdapter(AtomicReference<DeliverySink> sink) {
        this.sink = sink;
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.CONSUMER_GROUPS, Capability.REDELIVERY, Capability.KEY_ORDERING);
    }

    @Override
    public void ensureTopology(TopicSpec topic) {
    }

    @Override
    public BrokerProducer producer() {
        throw new UnsupportedOperationException("this test only consumes");
    }

    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        return new BrokerConsumer() {
            @Override
            public void start(DeliverySink s) {
                sink.set(s);
            }

            @Override
            public void pause() {
            }

            @Override
            public void resume() {
            }

            @Override
            public CompletionStage<Void> close() {
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    @Override
    public void close() {
    }
}
