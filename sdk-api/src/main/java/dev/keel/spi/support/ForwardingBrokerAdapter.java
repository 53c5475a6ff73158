package dev.keel.spi.support;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * An adapter that passes every call to another one, for wrappers that observe or change one thing
 * (count deliveries, inject a fault) and nothing else: override {@link #sinkFor} to stand between
 * a consumer and the engine, or any method. Closing it closes the adapter it wraps.
 */
public abstract class ForwardingBrokerAdapter implements BrokerAdapter {

    private final BrokerAdapter delegate;

    protected ForwardingBrokerAdapter(BrokerAdapter delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The adapter this one wraps. */
    protected final BrokerAdapter delegate() {
        return delegate;
    }

    /**
     * The sink the wrapped adapter's consumer of {@code settings} delivers to, standing for the
     * engine's {@code engineSink}; {@code engineSink} itself by default. A wrapping sink should
     * extend {@link ForwardingDeliverySink}, so what it does not change reaches the engine. It must
     * hand records on before {@code accept} returns: the consumer's
     * {@link BrokerConsumer#caughtUp()} is passed on as is, and a read that sees it ends once what
     * was handed over is in the engine's sink.
     */
    protected DeliverySink sinkFor(ConsumerSettings settings, DeliverySink engineSink) {
        return engineSink;
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
                consumer.start(sinkFor(settings, sink));
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
            public void stopFetching() {
                consumer.stopFetching();
            }

            @Override
            public CompletionStage<Void> settle() {
                return consumer.settle();
            }

            @Override
            public CompletionStage<Void> close() {
                return consumer.close();
            }

            @Override
            public long backlog() {
                return consumer.backlog();
            }

            @Override
            public boolean caughtUp() {
                return consumer.caughtUp();
            }
        };
    }

    @Override
    public String defaultDeadLetterTopic(String topic) {
        return delegate.defaultDeadLetterTopic(topic);
    }

    @Override
    public String retryTopic(String topic, String group) {
        return delegate.retryTopic(topic, group);
    }

    @Override
    public void ensureRetryTopic(String topic, TopicSpec retryTopic) {
        delegate.ensureRetryTopic(topic, retryTopic);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
