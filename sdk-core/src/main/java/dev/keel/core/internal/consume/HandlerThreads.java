package dev.keel.core.internal.consume;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The threads of one subscription's handler pool, known by the subscription so that it can tell a close called by
 * one of its own handlers (a stop command, a listener stopping itself), which must not wait for itself.
 */
public final class HandlerThreads implements ThreadFactory {

    private final ThreadFactory threads;
    private final Set<Thread> live = ConcurrentHashMap.newKeySet();

    /** @param threads makes the pool's threads (their names, daemon status) */
    public HandlerThreads(ThreadFactory threads) {
        this.threads = threads;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = threads.newThread(() -> {
            try {
                task.run();
            } finally {
                live.remove(Thread.currentThread());
            }
        });
        live.add(thread);
        return thread;
    }

    /** Whether the calling thread is one of these (it may be running a handler). */
    public boolean isCurrent() {
        return live.contains(Thread.currentThread());
    }
}
