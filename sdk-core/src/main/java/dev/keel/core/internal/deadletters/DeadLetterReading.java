package dev.keel.core.internal.deadletters;

import dev.keel.KeelException;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read of a dead-letter topic as a consumer group, straight on the adapter's consumer (below the
 * engine, so the {@code keel-dlt-*} headers show): records are taken one by one until none arrived
 * for the quiet period ({@code firstWait} for the first one, while the consumer joins), or sooner once the
 * consumer says it is caught up ({@link BrokerConsumer#caughtUp()}). Records not acknowledged go back to the
 * group when the read is closed. One thread takes the records ({@link #next()}) and handles each before it takes
 * the next.
 *
 * <p>A partition taken away by the group (another reader of the same group joined, or a member left) is given up
 * cleanly: its records not taken yet are dropped (its next owner reads them from the group's committed position), and
 * the revoke waits until the record being handled, if it is of that partition, is finished, so that its
 * acknowledgement is committed with the partition. Without this, a second re-drive of the same group moved letters the
 * first one had fetched and went on moving, and the first one's acknowledgements of them were never committed.
 */
public final class DeadLetterReading implements DeliverySink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReading.class);
    private static final int MAX_IN_FLIGHT = 10_000;
    private static final Duration REVOKE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** How often a wait for the next record asks the consumer whether it is caught up. */
    private static final Duration CAUGHT_UP_CHECK = Duration.ofMillis(50);

    private final BlockingQueue<InboundRecord> arrived = new LinkedBlockingQueue<>();
    private final BrokerConsumer consumer;
    private final Duration firstWait;
    private final Duration quiet;
    private volatile Throwable failure;
    private int taken;
    /**
     * Once the consumer said it is caught up: how many more records the read takes (those handed over by then, all of
     * which may be letters from before the read began); -1 before. A topic written without pause keeps handing
     * records over, so the read ends after these instead of when none arrives.
     */
    private int lastOnes = -1;
    /** The record being handled: taken by {@link #next()}, finished by the next call of it (or the close). */
    private final Object handling = new Object();
    private InboundRecord current;
    /** Revokes waiting for {@link #current} to be finished; guarded by {@link #handling}. */
    private final List<CompletableFuture<Void>> waitingRevokes = new ArrayList<>();

    private DeadLetterReading(BrokerConsumer consumer, Duration firstWait, Duration quiet) {
        this.consumer = consumer;
        this.firstWait = firstWait;
        this.quiet = quiet;
    }

    public static DeadLetterReading start(BrokerAdapter adapter, String deadLetterTopic, String group, Duration firstWait,
                                   Duration quiet) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(deadLetterTopic, group, MAX_IN_FLIGHT,
                REVOKE_TIMEOUT));
        DeadLetterReading reading = new DeadLetterReading(consumer, firstWait, quiet);
        try {
            consumer.start(reading);
        } catch (RuntimeException e) {
            reading.close(); // a consumer that failed to start holds nothing to give back; closing it frees its client
            throw e;
        }
        return reading;
    }

    /**
     * The next record, or null once none arrived for the quiet period. Fails with a retriable
     * {@link KeelException} when the broker's consumer failed meanwhile (what was read and not
     * acknowledged stays in the dead-letter topic).
     */
    public InboundRecord next() {
        finishCurrent();
        if (failure != null) {
            throw new KeelException("reading the dead letters failed: the broker's consumer stopped (" + failure
                    + "); nothing was lost, read them again", failure, true);
        }
        try {
            InboundRecord record = await((taken == 0 ? firstWait : quiet).toNanos());
            if (record != null) {
                taken++;
            }
            return record;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The next record to arrive within the wait, or null; null sooner once the consumer says it is caught up (it
     * handed over everything its partitions held: waiting longer would only wait for letters written after the read
     * began). A record is taken and made {@link #current} under the lock a revoke takes, so no revoke can miss it.
     */
    private InboundRecord await(long waitNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            // the caller stops the read (next() keeps the interrupt): records already here are not taken either
            throw new InterruptedException("the dead-letter read was interrupted");
        }
        if (lastOnes < 0 && consumer.caughtUp()) {
            lastOnes = arrived.size(); // what the consumer handed over before it said so is here by now
        }
        if (lastOnes >= 0) {
            return oneOfTheLast();
        }
        long deadline = System.nanoTime() + waitNanos;
        for (long left = waitNanos; left > 0; left = deadline - System.nanoTime()) {
            synchronized (handling) {
                InboundRecord record = arrived.poll(Math.min(left, CAUGHT_UP_CHECK.toNanos()), TimeUnit.NANOSECONDS);
                if (record == null && consumer.caughtUp()) {
                    lastOnes = arrived.size(); // what the consumer handed over before it said so is here by now
                    return oneOfTheLast();
                }
                if (record != null) {
                    current = record;
                    return record;
                }
            }
        }
        return null;
    }

    /** The next of the records handed over before the consumer was caught up, or null once they are taken. */
    private InboundRecord oneOfTheLast() {
        synchronized (handling) {
            current = lastOnes > 0 ? arrived.poll() : null;
            lastOnes = current == null ? 0 : lastOnes - 1;
            return current;
        }
    }

    /** How many records were received so far: taken, or waiting to be. */
    public int received() {
        return taken + arrived.size();
    }

    @Override
    public void accept(List<InboundRecord> records) {
        arrived.addAll(records);
    }

    @Override
    public void failed(Throwable cause) {
        failure = cause;
    }

    /**
     * Drops the revoked partitions' records not taken yet; completes once the record being handled, if it is of one of
     * them, is finished (the consumer commits what was acknowledged then, within its revoke timeout).
     */
    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        synchronized (handling) {
            arrived.removeIf(record -> partitions.contains(record.partition()));
            if (current == null || !partitions.contains(current.partition())) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> finished = new CompletableFuture<>();
            waitingRevokes.add(finished);
            return finished;
        }
    }

    /** The record taken last is finished: the revokes waiting for it may go on. */
    private void finishCurrent() {
        List<CompletableFuture<Void>> finished;
        synchronized (handling) {
            current = null;
            finished = List.copyOf(waitingRevokes);
            waitingRevokes.clear();
        }
        finished.forEach(f -> f.complete(null));
    }

    /** The topic's partitions another member of the group holds, as of the consumer's last fetch (see the SPI). */
    public Set<String> partitionsHeldByOthers() {
        return consumer.partitionsHeldByOthers();
    }

    /**
     * Leaves the group: what was acknowledged is committed, the rest goes back to it. An interrupted thread (a re-drive
     * stopped, a process shutting down) waits all the same, up to the close timeout, and keeps its interrupt: without
     * the commit, the letters moved last would be moved again by the next re-drive.
     */
    @Override
    public void close() {
        finishCurrent();
        try {
            UninterruptibleWait.await(consumer.close().toCompletableFuture(), CLOSE_TIMEOUT);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warn("closing the dead-letter reader did not finish cleanly: {}", e.toString());
        }
    }
}
