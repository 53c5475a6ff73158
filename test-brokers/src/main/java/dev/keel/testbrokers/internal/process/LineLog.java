package dev.keel.testbrokers.internal.process;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The output lines of one process: the most recent ones (or all of them), and futures completed
 * when a line matching a predicate arrives.
 */
public final class LineLog {
    private final int keepRecent;
    private final boolean keepAll;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private final List<String> all = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean closed;

    private record Waiter(Predicate<String> predicate, CompletableFuture<String> future) { }

    public LineLog(int keepRecent, boolean keepAll) {
        this.keepRecent = keepRecent;
        this.keepAll = keepAll;
    }

    public synchronized void add(String line) {
        if (keepAll) {
            all.add(line);
        }
        recent.addLast(line);
        if (recent.size() > keepRecent) {
            recent.removeFirst();
        }
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (waiter.future.isDone()) {
                it.remove();
            } else if (waiter.predicate.test(line)) {
                waiter.future.complete(line);
                it.remove();
            }
        }
    }

    /** No more lines will come (the stream ended); pending waiters stay pending, callers watch the process. */
    public synchronized void close() {
        closed = true;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Completes with the first line, already seen or still to come, that matches. */
    public synchronized CompletableFuture<String> firstMatching(Predicate<String> predicate) {
        for (String line : keepAll ? all : recent) {
            if (predicate.test(line)) {
                return CompletableFuture.completedFuture(line);
            }
        }
        CompletableFuture<String> future = new CompletableFuture<>();
        waiters.add(new Waiter(predicate, future));
        return future;
    }

    /** Completes with the next line to come that matches, ignoring lines already seen. */
    public synchronized CompletableFuture<String> nextMatching(Predicate<String> predicate) {
        CompletableFuture<String> future = new CompletableFuture<>();
        waiters.add(new Waiter(predicate, future));
        return future;
    }

    /** All lines so far, when kept; otherwise the recent ones. */
    public synchronized List<String> lines() {
        return List.copyOf(keepAll ? all : recent);
    }

    public synchronized List<String> tail(int n) {
        List<String> source = new ArrayList<>(keepAll ? all : recent);
        return List.copyOf(source.subList(Math.max(0, source.size() - n), source.size()));
    }
}
