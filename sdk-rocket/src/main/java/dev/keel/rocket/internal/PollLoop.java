package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.OffsetTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.store.OffsetStore;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that owns one lite pull consumer. Under one lock it applies pause and resume, polls and
 * hands messages to the engine; the client's rebalance thread takes the same lock to hand queues over
 * ({@link #queuesChanged}). Offsets are written with the offset store's confirmed (not one-way) update,
 * one write at a time (under the trackers' lock): periodically by a committer thread of its own, so that
 * polling never waits for the broker's answers (four queues' writes took 0.04 to 0.9 s each on a loaded
 * machine, every commit interval, while no message was handed over), for a queue taken away, and on close.
 * A close (or a failure) ends within the adapter's {@code closeTimeout}, also when the broker answers nothing: the
 * final writes stop at that deadline (the queues left are logged, their messages redelivered) and the client's
 * shutdown is waited for only until then ({@link BoundedShutdown}).
 */
final class PollLoop implements Runnable {

    /** Extra wait beyond the engine's own revoke bound, for its completion to reach us. */
    static final Duration REVOKE_MARGIN = Duration.ofSeconds(2);
    /** How long a pause lasts before the client's queues are paused too. */
    static final Duration CLIENT_PAUSE_AFTER = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);

    private final DefaultLitePullConsumer consumer;
    private final DeliverySink sink;
    private final RocketConfig config;
    private final ConsumerSettings settings;
    private final CompletableFuture<Void> done;
    private final FirstAssignment firstAssignment;
    private final RocketAccess access;
    private final QuietTlsCheck tlsCheck;
    private final String what;
    private final QueueTrackers trackers = new QueueTrackers();
    private final Object lock = new Object();
    /** The queues the client assigned to this consumer (changed under {@link #lock}; the committer reads it). */
    private volatile Set<MessageQueue> owned = Set.of();
    /** What stopped the committer thread: fails the subscription, as it did when the poll thread wrote offsets. */
    private volatile Throwable commitFailure;
    private boolean pauseApplied;
    private long pausedSince = -1;
    private volatile boolean pauseWanted;
    private volatile boolean closing;
    /** When the close must be done by: set when it is asked (or the loop fails), null before. */
    private volatile Deadline closeBy;
    /** The least time the final offset writes get, however much of the close's deadline is left. */
    static final Duration FINAL_WRITE_FLOOR = Duration.ofSeconds(1);
    /** Whether a refusal by the broker's ACL fails the subscription: once its start returned (it throws before). */
    private volatile boolean watchingAccess;
    private volatile boolean aborted;
    private volatile Thread thread;
    private long lastRebalanceNanos = System.nanoTime();

    PollLoop(DefaultLitePullConsumer consumer, DeliverySink sink, RocketConfig config, ConsumerSettings settings,
             CompletableFuture<Void> done, FirstAssignment firstAssignment, RocketAccess access, String what) {
        this.access = access;
        this.tlsCheck = new QuietTlsCheck(config, access, settings.topic(), consumer.getConsumerGroup());
        this.what = what;
        this.consumer = consumer;
        this.sink = sink;
        this.config = config;
        this.settings = settings;
        this.done = done;
        this.firstAssignment = firstAssignment;
    }

    void thread(Thread thread) {
        this.thread = thread;
    }

    void pauseWanted(boolean wanted) {
        pauseWanted = wanted;
        if (!wanted) {
            wake();
        }
    }

    /** From now on a refusal by the broker's ACL fails the subscription (before, the start throws it). */
    void watchAccess() {
        watchingAccess = true;
    }

    void close(boolean abort) {
        if (abort) {
            aborted = true;
        }
        if (closeBy == null) {
            closeBy = Deadline.in(config.closeTimeout());
        }
        closing = true;
        wake();
    }

    Set<MessageQueue> owned() {
        synchronized (lock) {
            return owned;
        }
    }

    /** Whether a lasting pause has been applied to the client's queues (it stopped pulling them). */
    boolean clientPaused() {
        synchronized (lock) {
            return pauseApplied;
        }
    }

    long committed(MessageQueue queue) {
        return consumer.getOffsetStore().readOffset(queue, ReadOffsetType.READ_FROM_STORE);
    }

    @Override
    public void run() {
        Throwable failure = null;
        String name = Thread.currentThread().getName();
        ScheduledExecutorService committer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name + "-commit");
            t.setDaemon(true);
            return t;
        });
        try {
            long every = config.commitInterval().toNanos();
            committer.scheduleWithFixedDelay(this::commitOwned, every, every, TimeUnit.NANOSECONDS);
            while (!closing) {
                failIfCommitterFailed();
                // whatever the client met in its own threads (pulls, heartbeats, offset writes): a refusal by the
                // broker's ACL is not retried, the subscription fails with it (nothing more is acknowledged)
                if (watchingAccess) {
                    access.refusal(what).ifPresent(refused -> {
                        throw refused;
                    });
                    // over TLS, a certificate refused on a reconnect: the client only tries again, for ever
                    if (!pauseWanted) {
                        tlsCheck.check(() -> MQClientManager.getInstance().getOrCreateMQClientInstance(consumer),
                                what).ifPresent(refused -> {
                                    throw refused;
                                });
                    }
                }
                boolean paused;
                synchronized (lock) {
                    paused = applyPause();
                    if (!paused) {
                        deliver(consumer.poll(config.pollTimeout().toMillis()));
                    }
                }
                rebalanceIfDue();
                if (paused && !closing) {
                    LockSupport.parkNanos(config.pollTimeout().toNanos());
                }
            }
            finalCommit(committer);
        } catch (AccessRefusedException e) {
            failure = e;
            LOG.error("RocketMQ consumer of topic {} group {} stopped: {}; what it had not acknowledged stays on the "
                    + "broker for the next consumer", settings.topic(), settings.group(), e.getMessage());
            commitAfterFailure(committer);
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("RocketMQ consumer of topic {} group {} stopped on an unexpected error; the subscription fails "
                    + "and what it had not acknowledged is redelivered to the group", settings.topic(),
                    settings.group(), e);
            commitAfterFailure(committer);
        } finally {
            stop(committer);
            shutdownClient(name);
            if (failure == null) {
                done.complete(null);
            } else {
                reportFailure(failure);
            }
        }
    }

    /**
     * The close's deadline: set when the close was asked, or now (the loop failed). From then on a periodic write
     * stops between queues, leaving them to the final one.
     */
    private Deadline closeDeadline() {
        Deadline deadline = closeBy;
        if (deadline == null) {
            deadline = Deadline.in(config.closeTimeout());
            closeBy = deadline;
        }
        closing = true;
        return deadline;
    }

    /**
     * Writes what was acknowledged, on the committer thread once a periodic write under way ended (one write at a
     * time), and waits for it until the close's deadline. A write the broker has not answered by then is abandoned
     * (its thread interrupted): the offsets not written are logged, and their queues' messages are redelivered to
     * the group, never lost. A close whose deadline a rebalance under way already used up (the poll thread waited
     * for the engine's revocation) still gives the writes {@link #FINAL_WRITE_FLOOR}: a healthy broker answers
     * within it, and what was acknowledged is not redelivered for that wait.
     */
    private void finalCommit(ScheduledExecutorService committer) {
        Deadline deadline = closeDeadline().atLeast(FINAL_WRITE_FLOOR);
        AtomicBoolean started = new AtomicBoolean();
        Future<?> last = committer.submit(() -> {
            started.set(true);
            commit(owned, deadline, false);
        });
        committer.shutdown(); // the periodic write is cancelled; the final one still runs
        try {
            last.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            committer.shutdownNow(); // abandons the write the broker has not answered
            if (!started.get()) {
                LOG.warn("Closing the RocketMQ consumer of topic {} group {}: a periodic offset write did not end "
                        + "within closeTimeout {} (the broker does not answer); what was acknowledged since the last "
                        + "write of queues {} is redelivered to the group", settings.topic(), settings.group(),
                        config.closeTimeout(), RocketReceiver.partitions(owned));
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            committer.shutdownNow();
        }
    }

    /**
     * Shuts the client down (it persists its offset store one way and unregisters from the brokers, synchronously),
     * waiting for it only until the close's deadline: with a broker that answers nothing it goes on in the background.
     */
    private void shutdownClient(String name) {
        boolean ended = BoundedShutdown.within(() -> {
            try {
                consumer.shutdown();
            } catch (RuntimeException e) {
                LOG.warn("Closing the RocketMQ consumer of topic {} group {} failed: {}", settings.topic(),
                        settings.group(), e.toString());
            }
        }, name + "-shutdown", closeDeadline());
        if (!ended) {
            LOG.warn("The RocketMQ consumer of topic {} group {} did not finish its shutdown within closeTimeout {} "
                    + "(the broker does not answer); it goes on in the background, and the group's other members get "
                    + "its queues once the broker drops it", settings.topic(), settings.group(), config.closeTimeout());
        }
    }

    /** Writes what was acknowledged before the failure (the contiguous prefix only), best effort. */
    private void commitAfterFailure(ScheduledExecutorService committer) {
        try {
            finalCommit(committer);
        } catch (RuntimeException | Error e) {
            LOG.warn("Writing the offsets of RocketMQ group {} after its consumer failed did not work either ({}); "
                    + "more is redelivered", settings.group(), e.toString());
        }
    }

    /** Fails the subscription (the engine's sink) and then this consumer's close stage, with the cause. */
    private void reportFailure(Throwable failure) {
        try {
            sink.failed(failure);
        } catch (RuntimeException | Error e) {
            LOG.warn("The engine did not take the failure of the RocketMQ consumer of topic {} group {}: {}",
                    settings.topic(), settings.group(), e.toString());
        } finally {
            done.completeExceptionally(failure);
        }
    }

    /**
     * The client's queue-change callback (its rebalance thread), called after it stopped pulling the
     * queues it took away. Lets the engine finish or drop their in-flight work (bounded), writes what
     * was acknowledged, then forgets them; queues assigned while paused are paused at once.
     */
    void queuesChanged(String topic, Set<MessageQueue> all, Set<MessageQueue> assigned) {
        synchronized (lock) {
            Set<MessageQueue> removed = RocketReceiver.minus(owned, assigned);
            Set<MessageQueue> added = RocketReceiver.minus(assigned, owned);
            owned = Set.copyOf(assigned);
            if (!added.isEmpty() && pauseApplied) {
                consumer.pause(added);
            }
            if (!removed.isEmpty()) {
                if (!closing) {
                    awaitEngine(RocketReceiver.partitions(removed));
                }
                synchronized (trackers) { // after a periodic write under way; none of these queues after it
                    commit(removed, closing ? closeBy : null, false);
                    trackers.remove(removed);
                }
            }
            LOG.debug("RocketMQ group {}: queues {} taken away, {} assigned", settings.group(),
                    RocketReceiver.partitions(removed), RocketReceiver.partitions(added));
        }
        firstAssignment.queuesChanged();
    }

    /**
     * While the engine wants a pause nothing is polled, so nothing is delivered; the client keeps
     * pulling only until its buffer (bound to the subscription's in-flight) is full. A pause that
     * lasts {@link #CLIENT_PAUSE_AFTER} also pauses every owned queue in the client, which stops
     * pulling; the client resumes a paused queue only after a second, too slow for the short
     * pauses of backpressure. True when paused.
     */
    private boolean applyPause() {
        if (pauseWanted) {
            long now = System.nanoTime();
            if (pausedSince < 0) {
                pausedSince = now;
            }
            if (!pauseApplied && now - pausedSince >= CLIENT_PAUSE_AFTER.toNanos()) {
                consumer.pause(owned);
                pauseApplied = true;
            }
            return true;
        }
        pausedSince = -1;
        if (pauseApplied) {
            consumer.resume(owned);
            pauseApplied = false;
        }
        return false;
    }

    private void deliver(List<MessageExt> messages) {
        if (messages.isEmpty()) {
            return;
        }
        List<InboundRecord> batch = new ArrayList<>(messages.size());
        for (MessageExt m : messages) {
            MessageQueue queue = new MessageQueue(m.getTopic(), m.getBrokerName(), m.getQueueId());
            if (!owned.contains(queue)) {
                // the client pulls a queue it was assigned before it calls queuesChanged: owned from its first
                // message on, or a close before that callback would commit nothing of it
                owned = RocketReceiver.plus(owned, queue);
            }
            long offset = m.getQueueOffset();
            OffsetTracker tracker = trackers.received(queue, offset);
            batch.add(MessageMapping.fromRocket(m, () -> {
                if (!aborted) {
                    tracker.acked(offset);
                }
            }));
        }
        // a throw here leaves the batch unacknowledged forever: it ends this loop and fails the subscription
        // (run), rather than let the queues' commits stall behind it while later messages flow
        sink.accept(batch);
    }

    /** Stops the committer thread before the client it writes through is shut down, within the close's deadline. */
    private void stop(ScheduledExecutorService committer) {
        committer.shutdown();
        try {
            if (!committer.awaitTermination(closeDeadline().remainingNanos(), TimeUnit.NANOSECONDS)) {
                committer.shutdownNow(); // its write was abandoned at the deadline, and said so
                LOG.debug("The offset writer of RocketMQ group {} ends in the background", settings.group());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The committer thread's periodic write of what was acknowledged. A broker call that fails is logged and
     * tried again next time ({@link #write}); anything else ends the committer and fails the subscription.
     */
    private void commitOwned() {
        try {
            commit(owned, null, true);
        } catch (RuntimeException | Error e) {
            commitFailure = e;
            wake();
            throw e;
        }
    }

    private void failIfCommitterFailed() {
        Throwable failed = commitFailure;
        if (failed instanceof Error error) {
            throw error;
        }
        if (failed != null) {
            throw (RuntimeException) failed;
        }
    }

    /**
     * Writes the committable offsets of {@code queues} that advanced, each confirmed by the broker. Under the
     * trackers' lock: one write at a time, and none of a queue once it was handed over ({@link #queuesChanged}).
     * With a {@code deadline} (while closing) no write starts once it passed; a {@code periodic} write starts none
     * once the close began, which writes what is left.
     */
    private void commit(Set<MessageQueue> queues, Deadline deadline, boolean periodic) {
        synchronized (trackers) {
            if (aborted) {
                return;
            }
            write(queues, deadline, periodic);
        }
    }

    private void write(Set<MessageQueue> queues, Deadline deadline, boolean periodic) {
        OffsetStore store = consumer.getOffsetStore();
        List<String> left = new ArrayList<>();
        for (Map.Entry<MessageQueue, Long> entry : trackers.advanced(queues).entrySet()) {
            MessageQueue queue = entry.getKey();
            long offset = entry.getValue();
            if (!left.isEmpty() || stopWriting(deadline, periodic)) {
                left.add(Names.partition(queue) + " at " + offset);
                continue;
            }
            try {
                if (owned.contains(queue)) {
                    store.updateOffset(queue, offset, false); // what the client itself persists stays in step
                }
                store.updateConsumeOffsetToBroker(queue, offset, false);
                trackers.written(queue, offset);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // abandoned at the close's deadline
                left.add(Names.partition(queue) + " at " + offset);
            } catch (Exception e) {
                LOG.warn("Writing offset {} of RocketMQ queue {} for group {} failed ({}); the messages after the "
                        + "last written offset will be redelivered", offset, Names.partition(queue), settings.group(),
                        e.toString());
            }
        }
        if (!periodic && deadline != null && !left.isEmpty()) {
            Collections.sort(left);
            LOG.warn("Closing the RocketMQ consumer of topic {} group {}: the broker did not confirm the offsets of "
                    + "queues {} within closeTimeout {}; not written, so their messages from the last written offset "
                    + "on are redelivered to the group (none is lost)", settings.topic(), settings.group(), left,
                    config.closeTimeout());
        }
    }

    /** Whether the next write is not started: abandoned, past the close's deadline, or a periodic one once closing. */
    private boolean stopWriting(Deadline deadline, boolean periodic) {
        return Thread.currentThread().isInterrupted() || (periodic && closing)
                || (deadline != null && deadline.passed());
    }

    private void awaitEngine(List<String> partitions) {
        Duration bound = settings.revokeTimeout().plus(REVOKE_MARGIN);
        try {
            sink.revoke(partitions).toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("In-flight work of revoked queues {} did not finish within {}; writing what was acknowledged, "
                    + "the rest is redelivered to the new owner", partitions, bound);
        } catch (ExecutionException e) {
            LOG.warn("Revoking queues {} failed in the engine ({}); writing what was acknowledged", partitions,
                    e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Revoking queues {} failed in the engine ({}); writing what was acknowledged", partitions,
                    e.toString());
        }
    }

    private void rebalanceIfDue() {
        if (config.rebalanceInterval().compareTo(RocketConfig.DEFAULT_REBALANCE_INTERVAL) >= 0) {
            return; // the client's own period
        }
        if (System.nanoTime() - lastRebalanceNanos >= config.rebalanceInterval().toNanos()) {
            rebalanceNow();
        }
    }

    private void rebalanceNow() {
        lastRebalanceNanos = System.nanoTime();
        MQClientManager.getInstance().getOrCreateMQClientInstance(consumer).rebalanceImmediately();
    }

    private void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
