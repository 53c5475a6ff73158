package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.support.ForwardingBrokerAdapter;
import dev.keel.spi.support.ForwardingDeliverySink;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** An adapter that records when its consumers revoke partitions from the engine ({@link System#nanoTime()}), and passes everything on. */
final class RevokeLog extends ForwardingBrokerAdapter {

    /** One revoke: when, and which partitions. */
    record Revoke(long atNanos, List<String> partitions) {
    }

    private final List<Revoke> revokes = new CopyOnWriteArrayList<>();

    RevokeLog(BrokerAdapter delegate) {
        super(delegate);
    }

    @Override
    protected DeliverySink sinkFor(ConsumerSettings settings, DeliverySink engineSink) {
        return new ForwardingDeliverySink(engineSink) {
            @Override
            public CompletionStage<Void> revoke(Collection<String> partitions) {
                revokes.add(new Revoke(System.nanoTime(), List.copyOf(partitions)));
                return super.revoke(partitions);
            }
        };
    }

    /** The revokes so far, in order. */
    List<Revoke> revokes() {
        return List.copyOf(revokes);
    }

    /** The first revoke at or after {@code sinceNanos}, or -1. */
    long firstRevokeSince(long sinceNanos) {
        return revokes.stream().mapToLong(Revoke::atNanos).filter(t -> t - sinceNanos >= 0).min().orElse(-1);
    }
}
