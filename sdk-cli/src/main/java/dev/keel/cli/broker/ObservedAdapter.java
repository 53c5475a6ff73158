package dev.keel.cli.broker;

import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.ForwardingBrokerAdapter;
import dev.keel.spi.support.ForwardingDeliverySink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A transparent wrapper around an adapter that counts, per topic, the records the broker delivered
 * and the acknowledgements the engine made (a crashed subscription makes none), and lets a caller
 * see records as the broker handed them over (all headers, Keel's included). It changes nothing the
 * engine or the broker do. Closing it closes the adapter it wraps.
 */
public final class ObservedAdapter extends ForwardingBrokerAdapter {

    private final Map<String, TopicCounters> counters;
    private final Map<String, Consumer<InboundRecord>> observers;

    public ObservedAdapter(BrokerAdapter delegate) {
        this(delegate, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    private ObservedAdapter(BrokerAdapter delegate, Map<String, TopicCounters> counters,
                            Map<String, Consumer<InboundRecord>> observers) {
        super(delegate);
        this.counters = counters;
        this.observers = observers;
    }

    /**
     * A wrapper around {@code other}, another adapter on the same broker, that counts into this one's
     * counters and calls this one's observers: several adapters observed as one. Closing it closes
     * {@code other}.
     */
    public ObservedAdapter alongside(BrokerAdapter other) {
        return new ObservedAdapter(other, counters, observers);
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
    protected DeliverySink sinkFor(ConsumerSettings settings, DeliverySink engineSink) {
        return new ForwardingDeliverySink(engineSink) {
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
                super.accept(wrapped);
            }
        };
    }

    private static InboundRecord wrap(InboundRecord r, TopicCounters c) {
        return new InboundRecord(r.topic(), r.partition(), r.position(), r.id(), r.key(), r.headers(),
                r.payload(), r.timestamp(), r.deliveryCount(), () -> {
                    c.acked.incrementAndGet();
                    r.ack();
                });
    }
}
