package dev.keel.cli.bench;

import dev.keel.cli.broker.BatchWork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The least Redis work a hand-written effectively-once consumer does per batch: a claim of every message before its
 * handler runs (one pipeline) and a done mark of every message after (a second one), as {@link DedupWrites} sends
 * them. No renewal, no release, no handler. A raw consume loop keeps polling meanwhile
 * ({@link BatchWork#MAX_BATCHES_IN_FLIGHT} batches at once) while {@link #THREADS} threads send the batches'
 * pipelines, so that the loop, Redis and the broker overlap as a consumer's would. A key with several messages in a
 * batch has them all between their effects and their done marks at once: {@link KeyOrderedDedup} keeps what Keel
 * keeps instead.
 */
final class PipelinedDedup implements ConsumeBench.LoopWork {

    /** Batches sent to Redis at once. */
    static final int THREADS = 2;

    private final DedupWrites writes;
    private final String prefix;
    private final ExecutorService senders = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "keel-bench-pipelined-dedup");
        t.setDaemon(true);
        return t;
    });

    /** Keys are {@code prefix + id}: the caller deletes them after the run. */
    PipelinedDedup(DedupWrites writes, String prefix) {
        this.writes = writes;
        this.prefix = prefix;
    }

    @Override
    public CompletionStage<?> handle(List<Received> batch) {
        return CompletableFuture.runAsync(() -> {
            List<String> keys = new ArrayList<>(batch.size());
            for (Received message : batch) {
                keys.add(prefix + message.id());
            }
            writes.claim(keys);
            writes.markDone(keys);
        }, senders);
    }

    @Override
    public void close() {
        senders.shutdownNow();
    }
}
