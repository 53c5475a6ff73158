package dev.keel.rabbit;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A sink that keeps what it gets, in order, and optionally acknowledges it at once. */
final class RecordingSink implements DeliverySink {

    private final boolean ackAtOnce;
    private final List<InboundRecord> records = new ArrayList<>();

    RecordingSink(boolean ackAtOnce) {
        this.ackAtOnce = ackAtOnce;
    }

    @Override
    public void accept(List<InboundRecord> batch) {
        synchronized (records) {
            records.addAll(batch);
        }
        if (ackAtOnce) {
            batch.forEach(InboundRecord::ack);
        }
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        return CompletableFuture.completedFuture(null);
    }

    List<InboundRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    int size() {
        synchronized (records) {
            return records.size();
        }
    }
}
