package dev.keel.testkit.internal;

import dev.keel.ClosedException;
import dev.keel.KeelHeaders;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.testkit.StoredRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a consumer group: the partitions assigned to it and a delivery thread that hands
 * their records to the sink in batches, waiting on a condition while paused, while its unacknowledged
 * records reach {@code maxInFlight}, or while there is nothing new. Guarded by the broker lock.
 */
final class ConsumerSession implements BrokerConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerSession.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final BrokerState broker;
    private final ConsumerSettings settings;
    private final GroupState group;
    private final Condition wake;
    private final Map<Integer, PartitionCursor> cursors = new TreeMap<>();
    private DeliverySink sink;
    private Thread thread;
    private boolean started;
    private boolean paused;
    private boolean stopped;
    private boolean delivering;
    private int unacked;
    private int rotation;

    ConsumerSession(BrokerState broker, ConsumerSettings settings, GroupState group) {
        this.broker = broker;
        this.settings = settings;
        this.group = group;
        this.wake = broker.lock().newCondition();
    }

    ConsumerSettings settings() {
        return settings;
    }

    DeliverySink sink() {
        return sink;
    }

    @Override
    public void start(DeliverySink sink) {
        Objects.requireNonNull(sink, "sink");
        broker.lock().lock();
        try {
            if (started) {
                throw new IllegalStateException("start may be called once per consumer");
            }
            if (stopped) {
                throw new ClosedException("this in-memory consumer was closed before it started");
            }
            started = true;
            this.sink = sink;
            group.join(this);
            thread = new Thread(this::deliverLoop, "keel-inmemory-consumer-" + settings.topic() + "-"
                    + settings.group() + "-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        } finally {
            broker.lock().unlock();
        }
        broker.rebalancer().request(group);
    }

    @Override
    public void pause() {
        broker.lock().lock();
        try {
            paused = true;
        } finally {
            broker.lock().unlock();
        }
    }

    @Override
    public void resume() {
        broker.lock().lock();
        try {
            paused = false;
            wake.signal();
        } finally {
            broker.lock().unlock();
        }
    }

    @Override
    public CompletionStage<Void> close() {
        stop(true);
        return CompletableFuture.completedFuture(null);
    }

    /** Leaves as a killed process would: commits nothing more, later acks are ignored (test faults only). */
    void abort() {
        stop(false);
    }

    /** Leaves the group: commits the acknowledged prefix of every partition if {@code graceful}. */
    private void stop(boolean graceful) {
        broker.lock().lock();
        try {
            if (stopped) {
                return;
            }
            stopped = true;
            wake.signal();
            if (graceful) {
                awaitNotDelivering();
            }
            releaseAll(graceful);
            group.leave(this);
        } finally {
            broker.lock().unlock();
        }
        if (started) {
            broker.rebalancer().request(group);
        }
    }

    boolean isStopped() {
        return stopped;
    }

    /** Gives partition {@code partition} to this member, delivering from {@code start}. Under the lock. */
    void assign(int partition, long start) {
        cursors.put(partition, new PartitionCursor(partition, start));
        group.own(partition, this);
        wake.signal();
    }

    /** Stops delivering {@code partition} while its revocation is under way. Under the lock. */
    void markRevoking(int partition) {
        PartitionCursor cursor = cursors.get(partition);
        if (cursor != null) {
            cursor.revoking = true;
        }
    }

    /**
     * Lets {@code partition} go, first committing its acknowledged prefix if {@code commit}; later
     * acks of its records are ignored. Under the lock.
     */
    void release(int partition, boolean commit) {
        PartitionCursor cursor = cursors.remove(partition);
        if (cursor == null || !cursor.active) {
            return;
        }
        if (commit) {
            group.commit(partition, cursor.tracker.committable());
        }
        cursor.active = false;
        unacked -= cursor.outstanding.size();
        group.disown(partition, this);
        wake.signal();
    }

    void releaseAll(boolean commit) {
        for (Integer partition : List.copyOf(cursors.keySet())) {
            release(partition, commit);
        }
    }

    /** Waits (under the lock) until no batch of this member is being handed to its sink. */
    void awaitNotDelivering() {
        while (delivering && Thread.currentThread() != thread) {
            broker.idle().awaitUninterruptibly();
        }
    }

    /** Wakes the delivery thread (new records, reconnection). Under the lock. */
    void wake() {
        wake.signal();
    }

    private void ack(PartitionCursor cursor, long offset) {
        broker.lock().lock();
        try {
            if (!cursor.active || !cursor.outstanding.remove(offset)) {
                return;
            }
            cursor.tracker.acked(offset);
            unacked--;
            if (broker.settings().commitOnAck()) {
                group.commit(cursor.partition, cursor.tracker.committable());
            }
            wake.signal();
        } finally {
            broker.lock().unlock();
        }
    }

    private void deliverLoop() {
        try {
            while (true) {
                List<InboundRecord> batch;
                broker.lock().lock();
                try {
                    setDelivering(false);
                    while (!stopped && !canDeliver()) {
                        wake.await();
                    }
                    if (stopped) {
                        return;
                    }
                    batch = collect();
                    delivering = true;
                } finally {
                    broker.lock().unlock();
                }
                try {
                    sink.accept(batch);
                } catch (RuntimeException | Error e) {
                    // fail the subscription rather than stall with this batch never acknowledged; its close gives
                    // the group back what was not acknowledged
                    LOG.warn("DeliverySink.accept failed for {} records of {}/{}; the subscription fails",
                            batch.size(), settings.topic(), settings.group(), e);
                    sink.failed(e);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            broker.lock().lock();
            try {
                setDelivering(false);
            } finally {
                broker.lock().unlock();
            }
        }
    }

    private void setDelivering(boolean value) {
        if (delivering && !value) {
            broker.idle().signalAll();
        }
        delivering = value;
    }

    private boolean canDeliver() {
        if (paused || !broker.connected() || unacked >= settings.maxInFlight()) {
            return false;
        }
        for (PartitionCursor cursor : cursors.values()) {
            if (cursor.deliverable(group.log().endOffset(cursor.partition))) {
                return true;
            }
        }
        return false;
    }

    /** Takes up to the batch size, one record per ready partition in turn (order kept per partition). */
    private List<InboundRecord> collect() {
        int limit = Math.min(broker.settings().maxBatchSize(), settings.maxInFlight() - unacked);
        List<PartitionCursor> ready = new ArrayList<>(cursors.values());
        if (!ready.isEmpty()) {
            Collections.rotate(ready, -(rotation++ % ready.size()));
        }
        List<InboundRecord> batch = new ArrayList<>();
        boolean progress = true;
        while (batch.size() < limit && progress) {
            progress = false;
            for (PartitionCursor cursor : ready) {
                if (batch.size() >= limit) {
                    break;
                }
                if (cursor.deliverable(group.log().endOffset(cursor.partition))) {
                    batch.add(deliver(cursor));
                    progress = true;
                }
            }
        }
        return batch;
    }

    private InboundRecord deliver(PartitionCursor cursor) {
        long offset = cursor.next++;
        StoredRecord stored = group.log().get(cursor.partition, offset);
        cursor.tracker.received(offset);
        cursor.outstanding.add(offset);
        unacked++;
        int deliveryCount = group.countDelivery(cursor.partition, offset);
        return new InboundRecord(stored.topic(), String.valueOf(cursor.partition), offset, stored.id(), stored.key(),
                stored.headers(), stored.payload(), timestamp(stored), deliveryCount, () -> ack(cursor, offset));
    }

    /**
     * The {@code keel-ts} header when it is a number, else the stored timestamp, as the real adapters read it: a
     * copy Keel makes (dead letter, re-drive, retry copy) is stamped when written and carries the publish time so.
     */
    private static Instant timestamp(StoredRecord stored) {
        String ts = stored.headers().get(KeelHeaders.TIMESTAMP);
        if (ts != null) {
            try {
                return Instant.ofEpochMilli(Long.parseLong(ts.strip()));
            } catch (NumberFormatException e) {
                // the stored timestamp
            }
        }
        return stored.timestamp();
    }

    @Override
    public String toString() {
        return "InMemoryConsumer{topic=" + settings.topic() + ", group=" + settings.group() + ", partitions="
                + cursors.keySet() + "}";
    }
}
