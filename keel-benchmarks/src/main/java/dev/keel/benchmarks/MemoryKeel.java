package dev.keel.benchmarks;

import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Clock;

/**
 * A Keel on a fresh in-memory broker and in-memory store, as {@code keel bench --broker memory} builds
 * it. A benchmark makes one per iteration and closes it after: the broker keeps every record and the
 * store every done id until then, so a fresh pair bounds the heap by one iteration's messages.
 */
final class MemoryKeel implements AutoCloseable {

    /**
     * Ids the store may hold: more than one iteration of the fastest benchmark consumes (the default
     * of {@value InMemoryIdempotencyStore#DEFAULT_MAX_ENTRIES} could fill within an iteration, and a
     * full store pauses the consumer, which would measure the store's bound instead of the engine).
     */
    static final int STORE_MAX_ENTRIES = 8_000_000;

    private final InMemoryBroker broker;
    private final InMemoryIdempotencyStore store;
    private final Keel keel;

    private MemoryKeel(InMemoryBroker broker, InMemoryIdempotencyStore store, Keel keel) {
        this.broker = broker;
        this.store = store;
        this.keel = keel;
    }

    static MemoryKeel start() {
        InMemoryBroker broker = InMemoryBroker.create();
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(Clock.systemUTC(), STORE_MAX_ENTRIES);
        return new MemoryKeel(broker, store, Keel.builder(broker).idempotencyStore(store).build());
    }

    InMemoryBroker broker() {
        return broker;
    }

    Keel keel() {
        return keel;
    }

    /** Declares {@code topic} with {@code partitions} partitions and the groups that will read it. */
    void declare(String topic, int partitions, String... groups) {
        keel.ensureTopology(spec(topic, partitions, groups));
    }

    static TopicSpec spec(String topic, int partitions, String... groups) {
        TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(partitions);
        for (String group : groups) {
            spec.group(group);
        }
        return spec.build();
    }

    /** Closes the Keel (its subscriptions drain), then the store and the broker, which Keel does not close. */
    @Override
    public void close() {
        try {
            keel.close();
        } finally {
            try {
                store.close();
            } finally {
                broker.close();
            }
        }
    }
}
