package dev.keel.rabbit.internal;

import com.rabbitmq.client.Channel;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets one Keel client at a time read a topic's metadata queues that are read by taking their messages (its record,
 * {@link TopologyRecord}, and its delay index, {@link DelayIndex}). A reader holds the messages it took until its
 * channel closes, so two readers at once would each see a part, and a part of the record passes for a topic with
 * fewer groups (a delete leaves the others' queues). The lock is the exclusive queue {@code T.keel-reading}: RabbitMQ
 * lets one connection declare it and refuses the others ({@code RESOURCE_LOCKED}) until that connection deletes it
 * or closes, also when its process dies; threads of one process, which share the connection, take a lock of their
 * own first. A user without the configure permission on the name reads without it, as before. Thread-safe.
 */
final class ReadLock {

    private static final Logger LOG = LoggerFactory.getLogger(ReadLock.class);
    static final int RESOURCE_LOCKED = 405;
    /** How long a reader waits for another client's read to end before it fails (retriable). */
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final long LONGEST_PAUSE_MILLIS = 100;
    /** Between reads whose quorum leader was gone (a new one is elected within seconds). */
    private static final long LEADER_GONE_PAUSE_MILLIS = 250;

    private final BrokerCalls calls;
    private final Duration wait;
    private final Map<String, ReentrantLock> inProcess = new ConcurrentHashMap<>();
    /** Topics whose lock the user may not declare (no configure permission on its name): read without it. */
    private final Set<String> unpermitted = ConcurrentHashMap.newKeySet();

    ReadLock(BrokerCalls calls) {
        this(calls, WAIT);
    }

    /** Waiting up to {@code wait} for the lock. */
    ReadLock(BrokerCalls calls, Duration wait) {
        this.calls = calls;
        this.wait = wait;
    }

    /** The lock's queue for {@code topic}. */
    static String queue(String topic) {
        return topic + ".keel-reading";
    }

    /**
     * Runs {@code read} of {@code topic}'s metadata queue {@code queue} on a channel of its own holding the topic's
     * read lock; the lock is let go once that channel is closed, which puts back the messages the read took. A read
     * whose quorum leader is gone ({@link BrokerCalls#leaderGone}) is run again within the same wait; one RabbitMQ
     * ended for a leader that did not answer fails as {@link BrokerCalls#leaderSilent} says.
     *
     * @throws BrokerUnavailableException (retriable) when another client held the lock for the wait
     */
    <T> T read(String topic, String queue, String what, BrokerCalls.ChannelWork<T> read) {
        ReentrantLock local = inProcess.computeIfAbsent(topic, t -> new ReentrantLock());
        String lock = queue(topic);
        long deadline = System.nanoTime() + wait.toNanos(); // one wait for both locks
        try {
            if (!local.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new BrokerUnavailableException("cannot " + what + ": another thread of this process has been "
                        + "reading the topic's metadata for " + wait.toSeconds() + " s (waiting for a quorum leader "
                        + "that does not answer?): try again", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while waiting to " + what, e, true);
        }
        try {
            long pause = 2;
            while (true) {
                if (unpermitted.contains(topic)) {
                    try {
                        return calls.run(topic, what, read);
                    } catch (BrokerUnavailableException e) {
                        throw BrokerCalls.internalError(e) ? BrokerCalls.leaderSilent(what, queue, e.getCause()) : e;
                    }
                }
                AtomicBoolean held = new AtomicBoolean();
                Attempt<T> attempt;
                try {
                    attempt = calls.run(topic, what, channel -> {
                        Taken taken = take(channel, lock);
                        held.set(taken == Taken.TAKEN);
                        return new Attempt<>(taken, held.get() ? read.apply(channel) : null);
                    });
                } catch (BrokerUnavailableException e) {
                    if (!BrokerCalls.internalError(e)) {
                        throw e;
                    }
                    if (!BrokerCalls.leaderGone(e) || System.nanoTime() - deadline > 0) {
                        throw BrokerCalls.leaderSilent(what, queue, e.getCause());
                    }
                    // the queue's leader was on a node that stopped: read again once the new one is known
                    LOG.debug("reading the metadata of topic '{}' again: {}", topic, e.getMessage());
                    pause(LEADER_GONE_PAUSE_MILLIS);
                    continue;
                } finally {
                    if (held.get()) { // after the channel's close, also when the read failed
                        release(topic, lock);
                    }
                }
                if (attempt.taken() == Taken.TAKEN) {
                    return attempt.value();
                }
                if (attempt.taken() == Taken.NOT_PERMITTED) {
                    LOG.debug("reading the metadata of topic '{}' without its read lock: the user may not declare "
                            + "queue '{}'", topic, lock);
                    unpermitted.add(topic);
                    continue;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new BrokerUnavailableException("cannot " + what + ": another client has been reading the "
                            + "topic's metadata for " + wait.toSeconds() + " s (it holds queue '" + lock + "'): try "
                            + "again", null);
                }
                pause(ThreadLocalRandom.current().nextLong(1, pause + 1));
                pause = Math.min(LONGEST_PAUSE_MILLIS, pause * 2);
            }
        } finally {
            local.unlock();
        }
    }

    private enum Taken { TAKEN, HELD_ELSEWHERE, NOT_PERMITTED }

    private record Attempt<T>(Taken taken, T value) {
    }

    /** Declares the lock's queue on {@code channel}; refused, RabbitMQ closes the channel. */
    private Taken take(Channel channel, String lock) throws IOException {
        try {
            channel.queueDeclare(lock, false, true, false, null);
            return Taken.TAKEN;
        } catch (IOException e) {
            if (BrokerCalls.replyCode(e) == RESOURCE_LOCKED) {
                return Taken.HELD_ELSEWHERE;
            }
            if (BrokerCalls.replyCode(e) == BrokerCalls.ACCESS_REFUSED) {
                return Taken.NOT_PERMITTED;
            }
            throw e;
        }
    }

    private void release(String topic, String lock) {
        try {
            calls.run(topic, "let go of the read lock of topic '" + topic + "'", channel -> channel.queueDelete(lock));
        } catch (RuntimeException e) {
            // the connection is gone (and the lock with it), or will be closed and take the lock with it
            LOG.debug("letting go of the read lock '{}' failed: {}", lock, e.toString());
        }
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while waiting for a topic's read lock", e, true);
        }
    }
}
