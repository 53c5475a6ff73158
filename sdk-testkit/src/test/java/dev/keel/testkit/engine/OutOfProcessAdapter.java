package dev.keel.testkit.engine;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import java.util.EnumSet;
import java.util.Set;

/**
 * A client of an in-memory broker that does not declare {@link Capability#IN_PROCESS}, as an
 * adapter of a real broker would not: Keel treats it as a broker outside this process.
 */
final class OutOfProcessAdapter implements BrokerAdapter {

    private final BrokerAdapter delegate;
    private final Set<Capability> withheld;
    private boolean closed;

    OutOfProcessAdapter(BrokerAdapter delegate) {
        this(delegate, Capability.IN_PROCESS);
    }

    /** Withholds {@code withheld} too (besides {@link Capability#IN_PROCESS}). */
    OutOfProcessAdapter(BrokerAdapter delegate, Capability... withheld) {
        this.delegate = delegate;
        this.withheld = EnumSet.of(Capability.IN_PROCESS, withheld);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public Set<Capability> capabilities() {
        Set<Capability> capabilities = EnumSet.copyOf(delegate.capabilities());
        capabilities.removeAll(withheld);
        return Set.copyOf(capabilities);
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
        closed = true;
        delegate.close();
    }
}
