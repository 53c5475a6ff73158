package dev.keel.cli.broker;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The raw baselines' window of unconfirmed publishes on one confirm-mode channel: at most
 * {@code size} outstanding. Confirms may come out of order (quorum queues) and cover several tags
 * at once, so each tag is tracked. The first nack (or {@link #fail}ure) is kept and reported by
 * {@link #awaitAll}.
 */
final class ConfirmWindow implements ConfirmListener {

    private final ConcurrentNavigableMap<Long, Boolean> outstanding = new ConcurrentSkipListMap<>();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final Semaphore room;
    private final int size;
    private final Duration timeout;
    private final IntConsumer settled;

    /** {@code settled} hears how many publishes each confirm settled. */
    ConfirmWindow(Channel channel, int size, Duration timeout, IntConsumer settled) {
        this.size = size;
        this.room = new Semaphore(size);
        this.timeout = timeout;
        this.settled = settled;
        channel.addConfirmListener(this);
    }

    /** Waits for room, then publishes through {@code publish} with the channel's next sequence number tracked. */
    void publish(Channel channel, Publish publish) throws IOException, InterruptedException {
        if (!room.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("no confirm from RabbitMQ within " + timeout.toMillis() + " ms");
        }
        outstanding.put(channel.getNextPublishSeqNo(), Boolean.TRUE);
        publish.run();
    }

    /** Waits until every publish was confirmed; fails with the first nack or failure. */
    void awaitAll() throws IOException, InterruptedException {
        if (!room.tryAcquire(size, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("not every message confirmed by RabbitMQ within " + timeout.toMillis() + " ms");
        }
        room.release(size);
        if (failure.get() != null) {
            throw new IOException(failure.get());
        }
    }

    /** Keeps {@code why} as the failure {@link #awaitAll} reports, unless one came first. */
    void fail(String why) {
        failure.compareAndSet(null, why);
    }

    @Override
    public void handleAck(long tag, boolean multiple) {
        settle(tag, multiple);
    }

    @Override
    public void handleNack(long tag, boolean multiple) {
        fail("RabbitMQ nacked message " + tag);
        settle(tag, multiple);
    }

    private void settle(long tag, boolean multiple) {
        int n;
        if (multiple) {
            ConcurrentNavigableMap<Long, Boolean> done = outstanding.headMap(tag, true);
            n = done.size();
            done.clear();
        } else {
            n = outstanding.remove(tag) != null ? 1 : 0;
        }
        settled.accept(n);
        room.release(n);
    }

    /** One basicPublish. */
    interface Publish {
        void run() throws IOException;
    }
}
