package dev.keel.spi;

import dev.keel.TopicSpec;
import java.util.Set;

/**
 * A broker behind Keel's API. Adapters translate; the engine owns ids, headers, retries,
 * idempotency, ordering lanes, dead letters and backpressure.
 */
public interface BrokerAdapter extends AutoCloseable {

    Set<Capability> capabilities();

    /** Declares the topic, its partitions and groups (and what the broker needs for them); idempotent. */
    void ensureTopology(TopicSpec topic);

    /** The shared producer, created on first use. */
    BrokerProducer producer();

    /** A new consumer for one subscription; it starts on {@link BrokerConsumer#start}. */
    BrokerConsumer consumer(ConsumerSettings settings);

    /**
     * Closes the producer and consumers this adapter created. Whoever created the adapter closes it,
     * after the {@code Keel} built on it: Keel closes what it created, never what it was given.
     */
    @Override
    void close();
}
