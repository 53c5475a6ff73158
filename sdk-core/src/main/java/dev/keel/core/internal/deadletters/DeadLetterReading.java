package dev.keel.core.internal.deadletters;

import dev.keel.KeelException;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
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
 * group when the read is closed.
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
     * began).
     */
    private InboundRecord await(long waitNanos) throws InterruptedException {
        long deadline = System.nanoTime() + waitNanos;
        for (long left = waitNanos; left > 0; left = deadline - System.nanoTime()) {
            InboundRecord record = arrived.poll(Math.min(left, CAUGHT_UP_CHECK.toNanos()), TimeUnit.NANOSECONDS);
            if (record != null) {
                return record;
            }
            if (consumer.caughtUp()) {
                return arrived.poll(); // what the consumer handed over before it said so is here by now
            }
        }
        return null;
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

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        return CompletableFuture.completedFuture(null);
    }

    /** Leaves the group: what was acknowledged is committed, the rest goes back to it. */
    @Override
    public void close() {
        try {
            consumer.close().toCompletableFuture().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warn("closing the dead-letter reader did not finish cleanly: {}", e.toString());
        }
    }
}
