package dev.keel.cli.broker;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A transparent wrapper around an adapter that counts, per topic, the records the broker delivered
 * and the acknowledgements the engine made (a crashed subscription makes none), and lets a caller
 * see records as the broker handed them over (all headers, Keel's included). It changes nothing the
 * engine or the broker do. Closing it closes the adapter it wraps.
 */
public final class ObservedAdapter implements BrokerAdapter {

    private final BrokerAdapter delegate;
    private final Map<String, TopicCounters> counters = new ConcurrentHashMap<>();
    private final Map<String, Consumer<InboundRecord>> observers = new ConcurrentHashMap<>();

    public ObservedAdapter(BrokerAdapter delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Counters of one topic. */
    public static final class TopicCounters {
        private final AtomicLong delivered = new AtomicLong();
        private final AtomicLong acked = new AtomicLong();
        private volatile long lastDeliveryNanos = System.nanoTime();

        public long delivered() {
            return delivered.get();
        }

        public long acked() {
            return acked.get();
        }

        /** {@link System#nanoTime()} of the latest delivery (or of creation). */
        public long lastDeliveryNanos() {
            return lastDeliveryNanos;
        }
    }

    public TopicCounters counters(String topic) {
        return counters.computeIfAbsent(topic, t -> new TopicCounters());
    }

    /** Calls {@code observer} with every record delivered from {@code topic}, on the adapter's thread. */
    public void observe(String topic, Consumer<InboundRecord> observer) {
        observers.put(topic, observer);
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
    public String defaultDeadLetterTopic(String topic) {
        return delegate.defaultDeadLetterTopic(topic);
    }

    @Override
    public String retryTopic(String topic, String group) {
        return delegate.retryTopic(topic, group);
    }

    @Override
    public BrokerConsumer consumer(ConsumerSettings settings) {
        return new ObservedConsumer(delegate.consumer(settings));
    }

    @Override
    public void close() {
        delegate.close();
    }

    private final class ObservedConsumer implements BrokerConsumer {
        private final BrokerConsumer consumer;

        ObservedConsumer(BrokerConsumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public long backlog() {
            return consumer.backlog();
        }

        @Override
        public void start(DeliverySink sink) {
            consumer.start(new DeliverySink() {
                @Override
                public void accept(List<InboundRecord> records) {
                    List<InboundRecord> wrapped = new ArrayList<>(records.size());
                    for (InboundRecord r : records) {
                        TopicCounters c = counters(r.topic());
                        c.delivered.incrementAndGet();
                        c.lastDeliveryNanos = System.nanoTime();
                        Consumer<InboundRecord> observer = observers.get(r.topic());
                        if (observer != null) {
                            observer.accept(r);
                        }
                        wrapped.add(wrap(r, c));
                    }
                    sink.accept(wrapped);
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

        private InboundRecord wrap(InboundRecord r, TopicCounters c) {
            return new InboundRecord(r.topic(), r.partition(), r.position(), r.id(), r.key(), r.headers(),
                    r.payload(), r.timestamp(), r.deliveryCount(), () -> {
                        c.acked.incrementAndGet();
                        r.ack();
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
    }
}
