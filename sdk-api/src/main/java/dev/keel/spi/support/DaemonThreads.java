package dev.keel.spi.support;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread factory of Keel's own pools, for the engine and the adapters alike: daemon threads
 * (an unclosed client never keeps the JVM alive) named {@code <prefix>-<n>}, counting from 1, so
 * a thread dump says whose each thread is.
 */
public final class DaemonThreads implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger counter = new AtomicInteger();

    private DaemonThreads(String prefix) {
        this.prefix = prefix;
    }

    /**
     * A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ...
     *
     * @param prefix what the threads are for, such as {@code keel-rabbit-confirms}; not blank
     * @return a new factory with its own counter
     * @throws IllegalArgumentException if {@code prefix} is blank
     */
    public static DaemonThreads named(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isBlank()) {
            throw new IllegalArgumentException("prefix must name what the threads are for, was blank");
        }
        return new DaemonThreads(prefix);
    }

    /**
     * A new daemon thread, not started, named after the prefix and the next number.
     *
     * @param task what the thread runs
     * @return the thread
     */
    @Override
    public Thread newThread(Runnable task) {
        Thread t = new Thread(task, prefix + "-" + counter.incrementAndGet());
        t.setDaemon(true);
        return t;
    }
}
