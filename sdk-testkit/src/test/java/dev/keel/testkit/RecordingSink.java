package dev.keel.testkit;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A sink that records what it is handed, acks what {@code autoAck} selects, and logs events in order. */
final class RecordingSink implements DeliverySink {

    final String name;
    final List<InboundRecord> received = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<String> events;
    final List<List<String>> revokes = new CopyOnWriteArrayList<>();
    private final Predicate<InboundRecord> autoAck;
    volatile CompletableFuture<Void> revokeStage = CompletableFuture.completedFuture(null);

    RecordingSink(String name, List<String> events, Predicate<InboundRecord> autoAck) {
        this.name = name;
        this.events = events;
        this.autoAck = autoAck;
    }

    static RecordingSink acking(String name, List<String> events) {
        return new RecordingSink(name, events, r -> true);
    }

    static RecordingSink holding(String name, List<String> events) {
        return new RecordingSink(name, events, r -> false);
    }

    @Override
    public void accept(List<InboundRecord> records) {
        batchSizes.add(records.size());
        for (InboundRecord record : records) {
            events.add(name + ".accept " + record.partition() + "@" + record.position());
            received.add(record);
            if (autoAck.test(record)) {
                record.ack();
            }
        }
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        List<String> sorted = new ArrayList<>(partitions);
        sorted.sort(null);
        events.add(name + ".revoke " + sorted);
        revokes.add(sorted);
        return revokeStage;
    }

    List<InboundRecord> from(String partition) {
        return received.stream().filter(r -> r.partition().equals(partition)).toList();
    }

    List<String> ids() {
        return received.stream().map(InboundRecord::id).toList();
    }
}
