package dev.keel.testkit;

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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real adapter with one fault on the engine's side of the SPI: the engine's
 * {@link DeliverySink#accept} throws {@code fault} once, for the first batch of the given group
 * (an {@link Error} or a {@link RuntimeException}). What an adapter must do then: fail the
 * subscription with the cause ({@link DeliverySink#failed}), never stall in silence. Closing it
 * closes the wrapped adapter.
 */
public final class FaultySinkAdapter implements BrokerAdapter {

    private final BrokerAdapter adapter;
    private final String faultyGroup;
    private final AtomicReference<Throwable> fault;

    public FaultySinkAdapter(BrokerAdapter adapter, String faultyGroup, Throwable fault) {
        this.adapter = adapter;
        this.faultyGroup = faultyGroup;
        this.fault = new AtomicReference<>(fault);
    }

    @Override
    public Set<Capability> capabilities() {
        return adapter.capabilities();
    }

    @Override
    public void ensureTopology(TopicSpec topic) {
        adapter.ensureTopology(topic);
    }

    @Override
    public BrokerProducer producer() {
        return adapter.producer();
    }

    @Override
    public String defaultDeadLetterTopic(String topic) {
        return adapter.defaultDeadLetterTopic(topic);
    }

    @Override
    public String retryTopic(String topic, String group) {
        return adapter.retryTopic(topic, group);
    }

    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        BrokerConsumer consumer = adapter.consumer(settings);
        if (!settings.group().equals(faultyGroup)) {
            return consumer;
        }
        return new BrokerConsumer() {
            @Override
            public void start(DeliverySink sink) {
                consumer.start(new DeliverySink() {
                    @Override
                    public void accept(List<InboundRecord> records) {
                        Throwable once = fault.getAndSet(null);
                        if (once instanceof RuntimeException e) {
                            throw e;
                        }
                        if (once instanceof Error e) {
                            throw e;
                        }
                        sink.accept(records);
                    }

                    @Override
                    public CompletionStage<Void> revoke(Collection<String> partitions) {
                        return sink.revoke(partitions);
                    }

                    @Override
                    public void failed(Throwable cause) {
                        sink.failed(cause);
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

            @Override
            public long backlog() {
                return consumer.backlog();
            }
        };
    }

    @Override
    public void close() {
        adapter.close();
    }
}
