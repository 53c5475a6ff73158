package dev.keel.rabbit.internal;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges deliveries of one consuming channel. Acks come from any thread in any order; one
 * thread at a time sends them (the others leave theirs queued), as one {@code multiple=true} ack
 * up to the highest acked tag below the oldest still unacknowledged delivery, and single acks for
 * the rest. Each channel incarnation is an epoch: acks for deliveries of an earlier epoch (before a
 * connection recovery) are dropped, those messages are redelivered. Each queued ack carries its
 * epoch, checked again where it is sent, under the lock that starts a new epoch: an ack queued while
 * the channel was being replaced is never sent on the new channel, whose tags name other messages.
 * An ack queued while another thread sends is taken along by that thread (it looks again after
 * letting go), until the channel is closed: {@link #drainAndStop()} waits for that thread and sends
 * the rest first.
 */
final class AckBatcher {

    private static final Logger LOG = LoggerFactory.getLogger(AckBatcher.class);

    private final Channel channel;
    private final ConcurrentSkipListSet<Long> unacked = new ConcurrentSkipListSet<>();
    private final ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
    private final ReentrantLock sending = new ReentrantLock();
    private volatile long epoch;
    private volatile boolean stopped;
    /** Runs between an ack's epoch check and its queueing: a test's way into that window. */
    private final Runnable afterEpochCheck;

    private record Ack(long epoch, long tag) {
    }

    AckBatcher(Channel channel) {
        this(channel, () -> { });
    }

    AckBatcher(Channel channel, Runnable afterEpochCheck) {
        this.channel = channel;
        this.afterEpochCheck = afterEpochCheck;
    }

    long epoch() {
        return epoch;
    }

    /** A delivery arrived (before it is handed on, so that its ack finds it). */
    void delivered(long tag) {
        unacked.add(tag);
    }

    /** The engine finished the delivery {@code tag} received in {@code epoch}. */
    void ack(long epoch, long tag) {
        if (stopped || epoch != this.epoch) {
            return;
        }
        afterEpochCheck.run();
        acked.add(new Ack(epoch, tag));
        flush();
    }

    /** Sends what is queued (unless another thread is doing so and will take it along). */
    void flush() {
        while (!acked.isEmpty() && !stopped && sending.tryLock()) {
            try {
                send();
            } finally {
                sending.unlock();
            }
        }
    }

    /** The channel was lost: deliveries so far can no longer be acknowledged. */
    void newEpoch() {
        sending.lock();
        try {
            epoch++;
            acked.clear();
            unacked.clear();
        } finally {
            sending.unlock();
        }
    }

    /** Drops everything and ignores later acks (the channel is aborted). */
    void stop() {
        stopped = true;
    }

    /**
     * Before the channel closes: waits for a send in progress, sends every ack queued so far (also
     * those queued by threads that left them to that send), then ignores later acks.
     */
    void drainAndStop() {
        sending.lock();
        try {
            if (!stopped) {
                send();
            }
            stopped = true;
        } finally {
            sending.unlock();
        }
    }

    int unackedCount() {
        return unacked.size();
    }

    private void send() {
        List<Long> tags = new ArrayList<>();
        Ack ack;
        while ((ack = acked.poll()) != null) {
            // under the sending lock, which a new epoch takes too: the epoch cannot change before the send
            if (ack.epoch() == epoch && unacked.remove(ack.tag())) {
                tags.add(ack.tag());
            }
        }
        if (tags.isEmpty()) {
            return;
        }
        Collections.sort(tags);
        Long oldestOpen = unacked.isEmpty() ? null : unacked.first();
        long multipleUpTo = -1;
        try {
            for (long t : tags) {
                if (oldestOpen == null || t < oldestOpen) {
                    multipleUpTo = t;
                } else {
                    channel.basicAck(t, false);
                }
            }
            if (multipleUpTo >= 0) {
                channel.basicAck(multipleUpTo, true);
            }
        } catch (IOException | AlreadyClosedException e) {
            // the channel is gone: the broker requeues these messages, which are delivered again
            LOG.debug("ack not sent, the channel is closed: {}", e.getMessage());
        }
    }
}
