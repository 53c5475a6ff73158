package dev.keel.core;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.Subscriber;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.InMemoryIdempotencyStore;
import dev.keel.core.internal.Engine;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerAdapter;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The entry point: one broker adapter, one idempotency store, one shared publisher, and the
 * subscriptions started from it. Thread-safe. Closing it closes the subscriptions (each drains for
 * up to its close timeout), the publisher and the adapter, in that order. The idempotency store is
 * not closed: it is often shared, so it stays the caller's to close.
 *
 * <pre>{@code
 * try (Keel keel = Keel.builder(new KafkaAdapter(kafkaConfig)).idempotencyStore(redisStore).build()) {
 *     keel.ensureTopology(TopicSpec.builder("orders").partitions(8).group("billing").build());
 *     TypedPublisher<String> orders = keel.publisher("orders", Codec.utf8());
 *     orders.publish("order-42", "{...}");                     // returns once confirmed by the broker
 *     keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8()).build(),
 *         delivery -> bill(delivery.payload()));               // return = success, throw = retry
 * }
 * }</pre>
 */
public final class Keel implements Subscriber, AutoCloseable {

    private final Engine engine;

    private Keel(Builder b) {
        this.engine = new Engine(b.adapter, b.store, b.clock, b.metrics, b.publisherConfig, b.scheduler);
    }

    public static Builder builder(BrokerAdapter adapter) {
        return new Builder(adapter);
    }

    /** The shared publisher, for byte payloads. Closing it is optional: {@link #close()} does. */
    public Publisher publisher() {
        return engine.publisher();
    }

    /**
     * A publisher of {@code T} values to {@code topic}, encoded with {@code codec}. Cheap: it
     * publishes through the shared {@link #publisher()} (one in-flight window, one circuit breaker),
     * so create one per topic and keep it, or create them as needed. {@link #close()} closes it too.
     *
     * @throws IllegalArgumentException if {@code topic} is not 1-200 characters of [A-Za-z0-9._-]
     * @throws dev.keel.ClosedException if this Keel is closed
     */
    public <T> TypedPublisher<T> publisher(String topic, Codec<T> codec) {
        return TypedPublisher.of(engine.publisher(), topic, codec);
    }

    @Override
    public <T> Subscription subscribe(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        return engine.subscribe(config, handler);
    }

    /** Declares topics, partitions and groups, idempotently. */
    public void ensureTopology(TopicSpec... topics) {
        for (TopicSpec topic : topics) {
            engine.adapter().ensureTopology(topic);
        }
    }

    @Override
    public void close() {
        engine.close();
    }

    public static final class Builder {
        private final BrokerAdapter adapter;
        private IdempotencyStore store;
        private Clock clock = Clock.systemUTC();
        private MetricsRecorder metrics = MetricsRecorder.noop();
        private PublisherConfig publisherConfig = PublisherConfig.ofDefaults();
        private ScheduledExecutorService scheduler;

        private Builder(BrokerAdapter adapter) {
            this.adapter = Objects.requireNonNull(adapter, "adapter");
        }

        /** The store for EFFECTIVELY_ONCE; defaults to an in-memory store (one process only). */
        public Builder idempotencyStore(IdempotencyStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder metrics(MetricsRecorder metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        public Builder publisherConfig(PublisherConfig publisherConfig) {
            this.publisherConfig = Objects.requireNonNull(publisherConfig, "publisherConfig");
            return this;
        }

        /**
         * The scheduler for timeouts, backoff and store retries; by default Keel owns a small one.
         * A scheduler given here is not shut down by {@link Keel#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public Keel build() {
            if (store == null) {
                store = new InMemoryIdempotencyStore(clock);
            }
            return new Keel(this);
        }
    }
}
