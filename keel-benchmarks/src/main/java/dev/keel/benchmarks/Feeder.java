package dev.keel.benchmarks;

import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a consumer: sends a batch of records straight to the broker (its own producer, no Keel
 * publisher), then waits until the handler has seen every one. The handler calls {@link #handled()};
 * the waiting thread parks and is woken by the handler that completes the batch, so it spends no CPU
 * that the consumer's threads need.
 */
final class Feeder {

    /** How long one batch may take before the benchmark fails instead of hanging. */
    static final Duration BATCH_TIMEOUT = Duration.ofSeconds(60);
    /** The longest park between two looks at the count, should a wake-up be missed. */
    private static final long PARK_NANOS = 1_000_000;

    private final BrokerProducer producer;
    private final OutboundRecord[] records;
    private final AtomicLong handled = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;
    private long sent;

    Feeder(BrokerProducer producer, OutboundRecord[] records) {
        if (Integer.bitCount(records.length) != 1) {
            throw new IllegalArgumentException("a power of two of records is cycled through, was " + records.length);
        }
        this.producer = producer;
        this.records = records;
    }

    /** Called by the handler (any thread) once per message handled. */
    void handled() {
        if (handled.incrementAndGet() >= target) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /**
     * Sends {@code count} records and waits until all of them (and all sent before) were handled.
     *
     * @return the number handled so far
     * @throws TimeoutException when the batch is not handled within {@link #BATCH_TIMEOUT}
     */
    long feed(int count) throws TimeoutException {
        int mask = records.length - 1;
        for (int i = 0; i < count; i++) {
            producer.send(records[(int) (sent++ & mask)]).toCompletableFuture().join();
        }
        waiter = Thread.currentThread();
        target = sent;
        long deadline = System.nanoTime() + BATCH_TIMEOUT.toNanos();
        long done;
        while ((done = handled.get()) < sent) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("only " + done + " of " + sent + " messages were handled within "
                        + BATCH_TIMEOUT.toSeconds() + " s: the consumer stalled (see its log)");
            }
            LockSupport.parkNanos(this, PARK_NANOS);
        }
        target = Long.MAX_VALUE;
        return done;
    }
}
