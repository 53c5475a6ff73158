package dev.keel.kafka;

import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A test engine stand-in: keeps what the adapter hands over and answers revokes as told. */
final class RecordingSink implements DeliverySink {

    final List<InboundRecord> records = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<List<String>> revokes = new CopyOnWriteArrayList<>();
    /** When each id was first handed over (wall clock, epoch millis). */
    final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    /** What the adapter failed the subscription with ({@link #failed}), or null. */
    final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Function<Collection<String>, CompletionStage<Void>> onRevoke =
            partitions -> CompletableFuture.completedFuture(null);

    @Override
    public void accept(List<InboundRecord> batch) {
        long now = System.currentTimeMillis();
        batch.forEach(r -> arrivals.putIfAbsent(r.id(), now));
        batchSizes.add(batch.size());
        records.addAll(batch);
    }

    @Override
    public void failed(Throwable cause) {
        failure.compareAndSet(null, cause);
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
