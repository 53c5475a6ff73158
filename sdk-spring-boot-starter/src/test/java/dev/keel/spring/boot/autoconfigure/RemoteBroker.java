package dev.keel.spring.boot.autoconfigure;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.testkit.InMemoryBroker;
import java.util.EnumSet;
import java.util.Set;

/** An in-memory broker that does not declare IN_PROCESS, as a real broker's adapter would not. */
final class RemoteBroker implements BrokerAdapter {

    private final InMemoryBroker delegate = InMemoryBroker.create();

    @Override
    public Set<Capability> capabilities() {
        EnumSet<Capability> caps = EnumSet.noneOf(Capability.class);
        caps.addAll(delegate.capabilities());
        caps.remove(Capability.IN_PROCESS);
        return caps;
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
        return delegate.consumer(settings);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
