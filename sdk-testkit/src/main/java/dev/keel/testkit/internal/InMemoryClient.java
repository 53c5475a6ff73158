package dev.keel.testkit.internal;

import dev.keel.ClosedException;
import dev.keel.PartitionRewind;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.ReplayAdmin;
import dev.keel.spi.TopologyAdmin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One client of an in-memory broker, as an adapter: closing it closes its producer and its
 * consumers (gracefully), not the broker nor other clients. Thread-safe.
 */
public final class InMemoryClient implements BrokerAdapter, TopologyAdmin, ReplayAdmin {

    /**
     * All but BROKER_FILTER (header filters run in the engine), PRIORITY (partition logs keep publish order) and
     * SHARED_CONSUMPTION (its groups own partitions; share groups are tested on a real Kafka).
     */
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.complementOf(EnumSet.of(
            Capability.BROKER_FILTER, Capability.PRIORITY, Capability.SHARED_CONSUMPTION)));

    private final BrokerState broker;
    private final List<ConsumerSession> consumers = new ArrayList<>();
    private InMemoryProducer producer;
    private boolean closed;

    InMemoryClient(BrokerState broker) {
        this.broker = broker;
    }

    /** The broker this client talks to. */
    public BrokerState broker() {
        return broker;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void ensureTopology(TopicSpec topic) {
        checkOpen();
        broker.ensureTopology(topic);
    }

    @Override
    public Optional<TopicSpec> describeTopology(String topic) {
        checkOpen();
        return broker.describeTopology(topic);
    }

    @Override
    public void deleteTopology(String topic) {
        checkOpen();
        broker.deleteTopology(topic);
    }

    @Override
    public synchronized BrokerProducer producer() {
        checkOpen();
        if (producer == null) {
            producer = new InMemoryProducer(broker);
        }
        return producer;
    }

    @Override
    public synchronized BrokerConsumer consumer(ConsumerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        checkOpen();
        ConsumerSession consumer = broker.newConsumer(settings);
        consumers.add(consumer);
        return consumer;
    }

    @Override
    public List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        checkOpen();
        return new InMemoryReplay(broker).planRewind(topic, group, from);
    }

    @Override
    public void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids) {
        checkOpen();
        new InMemoryReplay(broker).readIds(topic, ranges, ids);
    }

    @Override
    public void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        checkOpen();
        new InMemoryReplay(broker).rewind(topic, group, rewinds);
    }

    @Override
    public void close() {
        List<ConsumerSession> toClose;
        InMemoryProducer toCloseProducer;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = List.copyOf(consumers);
            consumers.clear();
            toCloseProducer = producer;
        }
        if (toCloseProducer != null) {
            toCloseProducer.close();
        }
        toClose.forEach(ConsumerSession::close);
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new ClosedException("this in-memory broker client is closed: connect a new one");
        }
    }
}
