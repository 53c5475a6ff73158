package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The batches a raw loop handed to its {@link BatchWork} and has not counted yet, oldest first: a batch is counted,
 * and its positions committed, once it and every batch before it are done, on the loop's own thread.
 *
 * @param <P> what commits a batch's positions (Kafka: its offsets)
 */
final class BatchesInFlight<P> {

    private record Batch<P>(CompletableFuture<?> done, int messages, P positions) {
    }

    private final ArrayDeque<Batch<P>> batches = new ArrayDeque<>();
    private final Throughput throughput;
    private final Progress progress;
    private final Consumer<P> commit;
    private long counted;

    BatchesInFlight(Throughput throughput, Progress progress, Consumer<P> commit) {
        this.throughput = throughput;
        this.progress = progress;
        this.commit = commit;
    }

    /** Adds a batch whose work started, then counts what is done, waiting for the oldest while too many are kept. */
    void add(BatchWork work, List<BatchWork.Received> batch, P positions) {
        batches.add(new Batch<>(work.handle(batch).toCompletableFuture(), batch.size(), positions));
        countDone(BatchWork.MAX_BATCHES_IN_FLIGHT);
    }

    /** Counts the batches done, oldest first; waits for the oldest while more than {@code kept} are left. */
    void countDone(int kept) {
        while (!batches.isEmpty() && (batches.size() > kept || batches.peekFirst().done().isDone())) {
            Batch<P> oldest = batches.removeFirst();
            try {
                oldest.done().join();
            } catch (CompletionException e) {
                throw new IllegalStateException("the raw loop's work on a batch failed: " + e.getCause(), e.getCause());
            }
            for (int i = oldest.messages(); i > 0; i--) {
                throughput.record();
            }
            counted += oldest.messages();
            progress.advance(oldest.messages());
            commit.accept(oldest.positions());
        }
    }

    /** Messages counted so far. */
    long counted() {
        return counted;
    }
}
