package dev.keel.kafka.internal;

import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import java.util.concurrent.CompletionStage;

/**
 * A subscription's consumer together with its topic's {@link DelayForwarder}: the forwarder runs
 * while the subscription does, so delayed records reach the topic whenever something consumes it.
 */
public final class ForwardingConsumer implements BrokerConsumer {

    private final KafkaReceiver consumer;
    private final DelayForwarder forwarder;

    public ForwardingConsumer(KafkaReceiver consumer, DelayForwarder forwarder) {
        this.consumer = consumer;
        this.forwarder = forwarder;
    }

    @Override
    public void start(DeliverySink sink) {
        consumer.start(sink);
        forwarder.start();
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
        CompletionStage<Void> forwarding = forwarder.close();
        return consumer.close().thenCombine(forwarding, (a, b) -> null);
    }

    @Override
    public long backlog() {
        return consumer.backlog();
    }

    /** {@link KafkaReceiver#abort()} (for this module's tests), and the forwarder stops as on close. */
    public void abort() {
        consumer.abort();
        forwarder.close();
    }
}
