package dev.keel.rocket;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A test engine stand-in: keeps what the adapter hands over and answers revokes as told. */
final class RecordingSink implements DeliverySink {

    final List<InboundRecord> records = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<List<String>> revokes = new CopyOnWriteArrayList<>();
    private volatile Function<Collection<String>, CompletionStage<Void>> onRevoke =
            partitions -> CompletableFuture.completedFuture(null);

    private volatile boolean ackAll;

    @Override
    public void accept(List<InboundRecord> batch) {
        batchSizes.add(batch.size());
        records.addAll(batch);
        if (ackAll) {
            batch.forEach(InboundRecord::ack);
        }
    }

    /** Acknowledges every record as it arrives. */
    void ackAll(boolean ackAll) {
        this.ackAll = ackAll;
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        revokes.add(new ArrayList<>(partitions));
        return onRevoke.apply(partitions);
    }

    void onRevoke(Function<Collection<String>, CompletionStage<Void>> onRevoke) {
        this.onRevoke = onRevoke;
    }

    List<String> payloads() {
        return records.stream().map(r -> new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8)).toList();
    }
}
