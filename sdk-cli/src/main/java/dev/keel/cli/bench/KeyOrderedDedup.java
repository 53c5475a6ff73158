package dev.keel.cli.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A hand-written effectively-once consumer's Redis work that keeps what Keel's {@code EFFECTIVELY_ONCE} keeps: a
 * key's message is marked done before the key's next message's effect (README, "The crash window"). A batch's
 * messages are claimed in one pipeline on {@link PipelinedDedup#THREADS} threads, as {@link PipelinedDedup} claims
 * them; the done marks go in rounds on one thread of their own: each round is one pipeline holding, of every key, its
 * oldest message not yet marked done, if that message's claim is answered, whichever batch it came in. A key's next
 * message joins the round after its previous one's; keys never wait for each other, and no round waits for a batch.
 * No handler, no renewal, no release. A message without a key is a key of its own. After a failed claim or done mark
 * nothing more is marked done, and every batch not yet done fails with it.
 */
final class KeyOrderedDedup implements ConsumeBench.LoopWork {

    /** One message waiting for its done mark. */
    private record Pending(String storeKey, Batch batch, CompletableFuture<Void> claimed) {
    }

    /** A batch's completion: done when its last message is marked done. */
    private static final class Batch {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int left;

        Batch(int messages) {
            left = messages;
        }
    }

    private final DedupWrites writes;
    private final String prefix;
    private final ExecutorService claimers = Executors.newFixedThreadPool(PipelinedDedup.THREADS, r -> daemon(r,
            "keel-bench-key-ordered-claims"));
    private final Thread marker;
    private final Object lock = new Object();
    /** Each key's messages not yet marked done, oldest first; keys in the order first seen. Guarded by lock. */
    private final Map<String, ArrayDeque<Pending>> byKey = new LinkedHashMap<>();
    /** The first failure; nothing is marked done after it. Guarded by lock. */
    private Throwable failure;
    private boolean closed;

    /** Keys are {@code prefix + id}: the caller deletes them after the run. */
    KeyOrderedDedup(DedupWrites writes, String prefix) {
        this.writes = writes;
        this.prefix = prefix;
        this.marker = daemon(this::markRounds, "keel-bench-key-ordered-done-marks");
        marker.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public CompletionStage<?> handle(List<Received> batch) {
        Batch work = new Batch(batch.size());
        if (batch.isEmpty()) {
            work.done.complete(null);
            return work.done;
        }
        List<String> keys = new ArrayList<>(batch.size());
        for (Received message : batch) {
            keys.add(prefix + message.id());
        }
        CompletableFuture<Void> claimed = CompletableFuture.runAsync(() -> writes.claim(keys), claimers);
        synchronized (lock) {
            for (int i = 0; i < batch.size(); i++) {
                Received message = batch.get(i);
                String key = message.key().isEmpty() ? "\u0000" + message.id() : message.key();
                byKey.computeIfAbsent(key, k -> new ArrayDeque<>()).add(new Pending(keys.get(i), work, claimed));
            }
        }
        claimed.whenComplete((v, e) -> {
            synchronized (lock) {
                if (e != null && failure == null) {
                    failure = e;
                }
                lock.notifyAll();
            }
        });
        return work.done;
    }

    /** The marker thread: one round after the other until closed. */
    private void markRounds() {
        while (true) {
            List<Pending> round;
            synchronized (lock) {
                round = failure == null ? nextRound() : List.of();
                while (round.isEmpty()) {
                    if (failure != null) {
                        failAll();
                    }
                    if (closed) {
                        return;
                    }
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                    round = failure == null ? nextRound() : List.of();
                }
            }
            List<String> keys = new ArrayList<>(round.size());
            for (Pending p : round) {
                keys.add(p.storeKey());
            }
            try {
                writes.markDone(keys);
            } catch (RuntimeException e) {
                synchronized (lock) {
                    if (failure == null) {
                        failure = e;
                    }
                    for (Pending p : round) {
                        p.batch().done.completeExceptionally(e);
                    }
                }
                continue;
            }
            synchronized (lock) {
                for (Pending p : round) {
                    if (--p.batch().left == 0) {
                        p.batch().done.complete(null);
                    }
                }
            }
        }
    }

    /** Of every key, its oldest message if its claim is answered; taken off its key's queue. Holds lock. */
    private List<Pending> nextRound() {
        List<Pending> round = new ArrayList<>();
        for (Iterator<ArrayDeque<Pending>> keys = byKey.values().iterator(); keys.hasNext(); ) {
            ArrayDeque<Pending> queue = keys.next();
            Pending oldest = queue.peekFirst();
            if (oldest.claimed().isDone() && !oldest.claimed().isCompletedExceptionally()) {
                round.add(queue.pollFirst());
                if (queue.isEmpty()) {
                    keys.remove();
                }
            }
        }
        return round;
    }

    /** After a failure: every batch with a message not marked done fails with it. Holds lock. */
    private void failAll() {
        for (ArrayDeque<Pending> queue : byKey.values()) {
            for (Pending p : queue) {
                p.batch().done.completeExceptionally(failure);
            }
        }
        byKey.clear();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        claimers.shutdownNow();
    }
}
