package dev.keel.internal;

import dev.keel.MessageHandler;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerAdapter;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/** Wires the publish and consume pipelines for one {@link dev.keel.Keel}. */
public final class Engine implements AutoCloseable {

    private final BrokerAdapter adapter;

    public Engine(BrokerAdapter adapter, IdempotencyStore store, Clock clock, MetricsRecorder metrics,
                  PublisherConfig publisherConfig, ScheduledExecutorService scheduler) {
        this.adapter = adapter;
    }

    public BrokerAdapter adapter() {
        return adapter;
    }

    public Publisher publisher() {
        throw new UnsupportedOperationException("engine under construction");
    }

    public <T> Subscription subscribe(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        throw new UnsupportedOperationException("engine under construction");
    }

    @Override
    public void close() {
    }
}
