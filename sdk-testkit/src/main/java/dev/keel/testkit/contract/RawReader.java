package dev.keel.testkit.contract;

import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A consumer straight on the adapter SPI, below the engine, that acknowledges everything: it sees
 * every header (Keel's {@code keel-*} ones included, which the engine keeps from handlers), so the
 * suite reads dead letters and what a group left unacknowledged with it.
 */
final class RawReader implements DeliverySink, AutoCloseable {

    private static final int MAX_IN_FLIGHT = 1_000;

    private final List<InboundRecord> records = new CopyOnWriteArrayList<>();
    private final BrokerConsumer consumer;

    private RawReader(BrokerAdapter adapter, String topic, String group, boolean shared) {
        this.consumer = adapter.consumer(new ConsumerSettings(topic, group, MAX_IN_FLIGHT, Duration.ofSeconds(10),
                Optional.empty(), Optional.empty(), Optional.empty(), shared));
    }

    static RawReader start(BrokerAdapter adapter, String topic, String group) {
        return start(adapter, topic, group, false);
    }

    /** A reader in {@code group}, a shared consumer of it (a share group) when {@code shared}. */
    static RawReader start(BrokerAdapter adapter, String topic, String group, boolean shared) {
        RawReader reader = new RawReader(adapter, topic, group, shared);
        reader.consumer.start(reader);
        return reader;
    }

    @Override
    public void accept(List<InboundRecord> batch) {
        for (InboundRecord record : batch) {
            records.add(record);
            record.ack();
        }
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        return CompletableFuture.completedFuture(null);
    }

    List<InboundRecord> records() {
        return List.copyOf(records);
    }

    List<String> ids() {
        return records.stream().map(InboundRecord::id).toList();
    }

    @Override
    public void close() {
        consumer.close().toCompletableFuture().join();
    }
}
