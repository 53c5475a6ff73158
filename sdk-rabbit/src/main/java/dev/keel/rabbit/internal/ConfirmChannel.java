package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishException;
import dev.keel.SharedChannelClosedException;
import dev.keel.UnroutableException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publishing channel in confirm mode with asynchronous confirms: publishes wait in a window
 * (a semaphore of {@code confirmWindow} permits) keyed by publish sequence number; acks and nacks,
 * {@code multiple} or not, settle them; a {@code basic.return} (mandatory, no queue bound) fails its
 * publish as unroutable before the broker's ack arrives; when the channel shuts down every pending
 * publish fails with a retriable {@link BrokerUnavailableException}, but for a message RabbitMQ closed
 * it refusing as too large ({@link SizeRefusal}) or sent to an exchange that does not exist
 * ({@link MissingExchange}), which fails for good. A publish that throws (the
 * client refused it, or the write failed) retires the channel the same way, since the client may
 * have counted it in the sequence. A closed or retired channel is never reused: its owner opens a
 * new one, so sequence numbers never span two channels.
 *
 * <p>A nack replaces the channel too, gently: it takes no new publish, its pending publishes are
 * still settled by the broker, and it closes once none is left. RabbitMQ 3.10 keeps, per channel,
 * the quorum queue leader it first tried: a channel that first published to a queue while the
 * queue's record still named a leader on a node that had just died has every later publish to that
 * queue nacked until that node returns, while a new channel publishes normally.
 */
final class ConfirmChannel {

    private static final Logger LOG = LoggerFactory.getLogger(ConfirmChannel.class);

    private final Channel channel;
    private final Executor completions;
    private final Semaphore window;
    private final ConcurrentSkipListMap<Long, PendingPublish> pending = new ConcurrentSkipListMap<>();
    private final ReentrantLock publishLock = new ReentrantLock();
    private final Object drainedMonitor = new Object();
    /**
     * Held while settling or failing pending publishes, from taking them out of {@code pending} to handing their
     * outcomes to {@code completions}: a {@link #close()} that finds none pending so knows that the connection's
     * thread, which may have taken them a moment before, has handed their outcomes over too, so that the producer's
     * wait for the completions covers them (before, a close could return before such a publish had failed, or before
     * its confirm was handed over).
     */
    private final Object failing = new Object();
    private final Runnable beforeWrite;
    private final Consumer<ShutdownSignalException> ownerHears;
    /**
     * Held while the channel's shutdown is heard: by the connection's thread, or by a publisher that found the channel
     * closed before that thread told (the client marks a channel closed before it calls its shutdown listeners), so
     * that the owner hears it, and the pending publishes fail as it says, once and before anything else fails them.
     */
    private final Object hearing = new Object();
    private volatile ShutdownSignalException closedBy;
    private volatile boolean closing;
    private volatile boolean retired;
    /** Set by a nack: no new publish; closed once the pending ones are settled. */
    private volatile boolean replaced;
    private volatile long replacedAtNanos;
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private volatile boolean writing;
    /** Counted down once the channel's shutdown was heard (its pending publishes failed). */
    private final CountDownLatch shutdownHeard = new CountDownLatch(1);
    private volatile long writeStartedNanos;

    private ConfirmChannel(Channel channel, int window, Executor completions,
                           Consumer<ShutdownSignalException> onShutdown, Runnable beforeWrite) {
        this.channel = channel;
        this.completions = completions;
        this.window = new Semaphore(window);
        this.ownerHears = onShutdown;
        this.beforeWrite = beforeWrite;
    }

    /**
     * Puts {@code channel} in confirm mode and listens to it; {@code onShutdown} hears how it ended, once
     * (before its pending publishes are failed, so that what it forgets is forgotten for their retries; on the
     * connection's thread, or on a publisher's that found the channel closed first). Publishes settled by the broker
     * complete on {@code completions}, never on the connection's I/O thread: a caller publishing again from a
     * callback must not stall the reading of confirms. {@code beforeWrite} runs before each write
     * and may refuse it with a {@link KeelException} (the connection is blocked).
     */
    static ConfirmChannel open(Channel channel, int window, Executor completions,
                               Consumer<ShutdownSignalException> onShutdown, Runnable beforeWrite) throws IOException {
        ConfirmChannel c = new ConfirmChannel(channel, window, completions, onShutdown, beforeWrite);
        channel.confirmSelect();
        channel.addConfirmListener(c::onAck, c::onNack);
        channel.addReturnListener(c::onReturn);
        channel.addShutdownListener(c::hear);
        return c;
    }

    /** Whether it takes publishes: not once closed, lost, retired after a failed publish or replaced after a nack. */
    boolean isOpen() {
        return closedBy == null && !closing && !retired && !replaced && channel.isOpen();
    }

    /**
     * Publishes with {@code mandatory=true}; {@code pending} settles when the broker answers. Waits up
     * to {@code maxBlock} in all for room in the window and for a write in progress on this channel.
     */
    void publish(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body,
                 PendingPublish publish, Duration maxBlock) {
        long deadline = System.nanoTime() + maxBlock.toNanos();
        try {
            if (!window.tryAcquire(maxBlock.toNanos(), TimeUnit.NANOSECONDS)) {
                publish.fail(new KeelTimeoutException("no room in the confirm window for " + maxBlock.toMillis()
                        + " ms: RabbitMQ confirms slower than messages are published"));
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            publish.fail(new KeelException("interrupted while waiting for room in the confirm window", e, true));
            return;
        }
        try {
            if (!publishLock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                window.release();
                publish.fail(new KeelTimeoutException("another publish on the channel was still writing after "
                        + maxBlock.toMillis() + " ms: RabbitMQ does not read (blocked by an alarm?) or the network"
                        + " stalled"));
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            window.release();
            publish.fail(new KeelException("interrupted while waiting to publish", e, true));
            return;
        }
        try {
            write(exchange, routingKey, properties, body, publish);
        } finally {
            publishLock.unlock();
        }
    }

    /** How long the write in progress has lasted, or 0 when none is. */
    long writingForNanos(long now) {
        return writing ? Math.max(1, now - writeStartedNanos) : 0;
    }

    /** Under the publish lock, holding a window permit. */
    private void write(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body,
                       PendingPublish publish) {
        if (closing) {
            window.release();
            publish.fail(new ClosedException("the RabbitMQ producer is closed"));
            return;
        }
        if (!isOpen()) {
            window.release();
            ShutdownSignalException closer = endedBy(null);
            publish.fail(closedByRefusal(closer) ? closedBeside("refusing another message ("
                    + BrokerCalls.replyText(closer) + ")", closer) : unavailable(replaced && closer == null
                    ? "the publishing channel is being replaced after RabbitMQ refused a message on it; retry"
                    : "the publishing channel is closed", closer));
            return;
        }
        try {
            beforeWrite.run();
        } catch (KeelException e) {
            window.release();
            publish.fail(e);
            return;
        }
        long seq = channel.getNextPublishSeqNo();
        pending.put(seq, publish);
        writeStartedNanos = System.nanoTime();
        writing = true;
        try {
            channel.basicPublish(exchange, routingKey, true, properties, body);
        } catch (IOException | RuntimeException e) {
            // the client may have counted the publish before it threw: numbering is off from here
            boolean failsHere = pending.remove(seq) != null;
            if (failsHere) {
                window.release();
            }
            ShutdownSignalException ended = endedBy(e);
            if (failsHere) {
                publish.fail(refusedOrLost(e, ended));
            }
            retire(e, ended);
        } finally {
            writing = false;
        }
        ShutdownSignalException shutdown = closedBy;
        if (shutdown != null) { // closed while writing: its shutdown may have failed the others before this one
            failPending(shutdown);
        }
    }

    private static KeelException refusedOrLost(Exception e, ShutdownSignalException ended) {
        if (closedByRefusal(ended)) {
            return closedBeside("refusing another message (" + BrokerCalls.replyText(ended) + ")", ended);
        }
        if (e instanceof IOException || e instanceof ShutdownSignalException) {
            return unavailable("publishing failed: " + e.getMessage(), e);
        }
        return new PublishException("the message cannot be published (" + e + "): check its headers and size", e,
                false);
    }

    /**
     * A publish threw after the client may have counted it in the channel's sequence, so the
     * broker's numbering and ours may differ by one: a later ack would settle the wrong publish.
     * The channel is never used again: its pending publishes fail as retriable (they may or may not
     * have been stored), as its shutdown says when it {@code ended} (a message RabbitMQ refused fails for good, the
     * others beside it), and it is closed in the background (closing waits for the broker's answer);
     * the owner opens a new one for the next publish. Called under the publish lock.
     */
    private void retire(Exception cause, ShutdownSignalException ended) {
        retired = true;
        if (ended == null) {
            failAll(unavailable("the publishing channel was replaced after a failed publish (" + cause
                    + ") before RabbitMQ confirmed this one; it may or may not have been stored: retry with the same"
                    + " id", cause));
        }
        inBackground(this::closeQuietly);
    }

    /**
     * How the channel ended, or null while it is open: the shutdown its listener heard, or, when a publisher finds it
     * closed before the connection's thread told (a publish {@code thrown} out, or the check before a write), the
     * client's close reason, heard here at once so that its pending publishes fail as it says (before, they failed
     * as a lost channel, counted against their topics' breakers, when the reason was RabbitMQ refusing another
     * message: a burst of refused publishes opened the breaker of a topic the user may write).
     */
    private ShutdownSignalException endedBy(Throwable thrown) {
        ShutdownSignalException cause = closedBy;
        if (cause != null) {
            return cause;
        }
        cause = channel.isOpen() ? null : channel.getCloseReason();
        for (Throwable t = thrown; cause == null && t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException signal) {
                cause = signal;
            }
        }
        if (cause != null) {
            hear(cause);
        }
        return cause;
    }

    /**
     * After a nack, once no publish is pending: closes the channel. A write that passed its check just
     * before the nack may still add a publish: the check is made again under the publish lock (later
     * writes find the channel not open), and if one was added the channel closes when it is settled.
     */
    private void closeWhenDrained() {
        if (!closeStarted.compareAndSet(false, true)) {
            return;
        }
        inBackground(() -> {
            boolean drained;
            publishLock.lock();
            try {
                drained = pending.isEmpty();
            } finally {
                publishLock.unlock();
            }
            if (drained) {
                closeQuietly();
                return;
            }
            closeStarted.set(false);
            if (pending.isEmpty()) { // settled meanwhile, and its settling found the close under way
                closeWhenDrained();
            }
        });
    }

    /** Closing waits for the broker's answer: on a thread of its own, never a caller's or the connection's. */
    private static void inBackground(Runnable closing) {
        Thread closer = new Thread(closing, "keel-rabbit-retire-channel");
        closer.setDaemon(true);
        closer.start();
    }

    private void closeQuietly() {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException ignored) {
            // closed either way
        }
    }

    /** Whether a nack took it out of use (it may still be waiting for the broker's answers). */
    boolean replacedByNack() {
        return replaced;
    }

    /** Whether the AMQP channel itself is closed: nothing more will be settled on it. */
    boolean closed() {
        return closedBy != null || !channel.isOpen();
    }

    /**
     * For a channel a nack took out of use: if the broker has not answered for everything pending on
     * it within {@code limit} since the nack, fails what is left as retriable and closes it, so that a
     * confirm that never comes (a queue without a leader) cannot keep it open for ever.
     */
    void abandonIfDrainingLonger(Duration limit, long now) {
        if (!replaced || closed() || now - replacedAtNanos < limit.toNanos()) {
            return;
        }
        if (!closeStarted.compareAndSet(false, true)) {
            return; // a close is under way already
        }
        failAll(unavailable("RabbitMQ had not confirmed this publish " + limit.toMillis() + " ms after it refused"
                + " another one on the same channel; the channel was closed and the message may or may not have been"
                + " stored: retry with the same id", null));
        inBackground(this::closeQuietly);
    }

    /** Waits up to {@code timeout} for every pending publish to be settled. */
    void awaitSettled(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (drainedMonitor) {
            long left;
            while (!pending.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(drainedMonitor, left);
            }
        }
    }

    /** Closes the channel; publishes still pending fail with {@link ClosedException}. */
    void close() {
        abandonPending();
        closeQuietly();
        failAll(closedBeforeConfirm());
    }

    /**
     * The producer is closing and waits no longer for RabbitMQ's answers: takes no new publish, and fails what is still
     * pending with {@link ClosedException} now, before the channel or its connection is closed (the connection's
     * thread would hear a connection closed at its socket as lost, and fail them as retriable).
     */
    void abandonPending() {
        closing = true;
        failAll(closedBeforeConfirm());
    }

    private static ClosedException closedBeforeConfirm() {
        return new ClosedException("the producer was closed before RabbitMQ confirmed the publish");
    }

    int pendingCount() {
        return pending.size();
    }

    /**
     * Whether every publish is settled and its outcome handed to the completions: also waits for the connection's
     * thread while it hands over the outcomes it took out (a channel it just failed reads as having none pending then).
     */
    boolean settledAll() {
        synchronized (failing) {
            return pending.isEmpty();
        }
    }

    private void onAck(long tag, boolean multiple) {
        settle(tag, multiple, null);
    }

    private void onNack(long tag, boolean multiple) {
        if (!replaced) {
            replacedAtNanos = System.nanoTime();
            replaced = true; // before the settling: a publish retried at once must find a new channel
            LOG.info("RabbitMQ refused a publish (nack) on channel {}: the next publishes go on a new channel",
                    channel.getChannelNumber());
        }
        settle(tag, multiple, "RabbitMQ refused the message (nack): the queue could not take it; retry later");
    }

    private void settle(long tag, boolean multiple, String nackReason) {
        List<PendingPublish> settled = new ArrayList<>();
        synchronized (failing) {
            if (multiple) {
                Map.Entry<Long, PendingPublish> first;
                while ((first = pending.firstEntry()) != null && first.getKey() <= tag) {
                    if (pending.remove(first.getKey(), first.getValue())) {
                        settled.add(first.getValue());
                    }
                }
            } else {
                PendingPublish one = pending.remove(tag);
                if (one != null) {
                    settled.add(one);
                }
            }
            afterRemoval(settled.size());
            if (!settled.isEmpty()) {
                complete(() -> settled.forEach(p -> settleOne(p, nackReason)));
            }
        }
    }

    private static void settleOne(PendingPublish publish, String nackReason) {
        if (nackReason == null) {
            publish.confirm(unroutable(publish));
        } else {
            publish.fail(new PublishException(nackReason, null, true));
        }
    }

    private static UnroutableException unroutable(PendingPublish p) {
        return new UnroutableException("RabbitMQ could not route the message to any queue of topic '" + p.topic()
                + "' (partition " + p.lane() + "): no consumer group is bound; declare the topic with its groups "
                + dev.keel.spi.support.TopologyHints.declareWithGroups(p.topic()));
    }

    private void complete(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    /**
     * A returned message precedes its ack on the channel; it is the earliest pending publish with
     * the same message id and exchange that was not returned yet. The exchange is the one it was sent to: the
     * default exchange ({@code ""}) for a delayed publish to a delay queue that no longer exists, which so fails
     * instead of being confirmed.
     */
    private void onReturn(Return r) {
        String messageId = r.getProperties().getMessageId();
        for (PendingPublish p : pending.values()) {
            if (!p.returned() && p.messageId().equals(messageId) && p.exchange().equals(r.getExchange())) {
                p.markReturned(); // failed as unroutable when the broker's ack for it arrives
                return;
            }
        }
    }

    /**
     * The channel's shutdown, heard once: first by its owner (so that what it forgets is forgotten for the retries of
     * the pending publishes), then here. On the connection's thread, or a publisher's that found the channel closed
     * first; never waits for the publish lock (a write may hold it, stuck).
     */
    private void hear(ShutdownSignalException cause) {
        synchronized (hearing) {
            if (closedBy != null) {
                return;
            }
            try {
                ownerHears.accept(cause);
            } catch (RuntimeException e) {
                // heard on a publisher's thread too now: its publish, and the pending ones, must still fail below
                LOG.warn("the RabbitMQ producer failed to hear its channel's shutdown: {}", e.toString());
            }
            onShutdown(cause);
        }
    }

    private void onShutdown(ShutdownSignalException cause) {
        closedBy = cause;
        if (closing && cause.isInitiatedByApplication()) {
            failAll(closedBeforeConfirm());
        } else {
            failPending(cause);
        }
        shutdownHeard.countDown();
    }

    /**
     * Waits up to {@code timeout} for the channel's shutdown to be heard (a closed socket is heard by the connection's
     * reading thread, a moment after it was closed), so that its pending publishes have failed when this returns.
     */
    void awaitShutdown(Duration timeout) throws InterruptedException {
        shutdownHeard.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether RabbitMQ closed the channel refusing one message (a missing exchange, its size, its permission). */
    private static boolean closedByRefusal(ShutdownSignalException cause) {
        return cause != null && (MissingExchange.of(cause).isPresent() || RefusedExchange.of(cause).isPresent()
                || SizeRefusal.of(cause).isPresent());
    }

    /** The failure of a publish pending on a channel RabbitMQ closed {@code after} another message: retriable. */
    private static KeelException closedBeside(String after, ShutdownSignalException cause) {
        return new SharedChannelClosedException("RabbitMQ closed the publishing channel after " + after
                + ", before it confirmed this message; it may or may not have been stored: retry with the same id",
                cause);
    }

    private static BrokerUnavailableException lost(ShutdownSignalException cause) {
        return unavailable("the channel closed before RabbitMQ confirmed the publish (" + cause.getMessage()
                + "); it may or may not have been stored: retry with the same id", cause);
    }

    /**
     * The channel closed under its pending publishes: they fail as retriable, except, when RabbitMQ
     * closed it refusing a message over its {@code max_message_size}, the refused one (the earliest
     * over that size), which fails for good.
     */
    private void failPending(ShutdownSignalException cause) {
        MissingExchange missing = MissingExchange.of(cause).orElse(null);
        if (missing != null) {
            failRefusedToMissingExchange(missing, cause);
            return;
        }
        RefusedExchange refusedExchange = RefusedExchange.of(cause).orElse(null);
        if (refusedExchange != null) {
            PendingPublish refused = latestTo(refusedExchange::covers);
            KeelException beside = closedBeside("refusing a message to exchange '" + refusedExchange.exchange()
                    + "' that the user may not write", cause);
            fail(p -> p == refused ? refusedExchange.refusal(p, cause) : beside);
            return;
        }
        SizeRefusal tooLarge = SizeRefusal.of(cause).orElse(null);
        if (tooLarge == null) {
            failAll(lost(cause));
            return;
        }
        KeelException beside = tooLarge.beside(cause);
        PendingPublish[] refused = new PendingPublish[1];
        fail(p -> {
            if (refused[0] == null && tooLarge.covers(p)) {
                refused[0] = p;
                return tooLarge.refusal(p, cause);
            }
            return beside;
        });
    }

    /**
     * RabbitMQ closed the channel at a publish to an exchange that does not exist: the latest pending publish to it
     * (the refused one or one sent after it: not stored either way) fails as unroutable, the others as retriable.
     */
    private void failRefusedToMissingExchange(MissingExchange missing, ShutdownSignalException cause) {
        PendingPublish refused = latestTo(missing::covers);
        KeelException beside = closedBeside("refusing a message to exchange '" + missing.exchange()
                + "', which does not exist", cause);
        fail(p -> p == refused ? missing.refusal(p, cause) : beside);
    }

    /** The latest pending publish that {@code covered} accepts, or null. */
    private PendingPublish latestTo(Predicate<PendingPublish> covered) {
        PendingPublish latest = null;
        for (PendingPublish p : pending.values()) {
            if (covered.test(p)) {
                latest = p;
            }
        }
        return latest;
    }

    private void failAll(KeelException failure) {
        fail(p -> failure);
    }

    /** Fails every pending publish, in publish order, with what {@code failure} says for it. */
    private void fail(Function<PendingPublish, KeelException> failure) {
        List<PendingPublish> failed = new ArrayList<>();
        synchronized (failing) {
            Map.Entry<Long, PendingPublish> e;
            while ((e = pending.pollFirstEntry()) != null) {
                failed.add(e.getValue());
            }
            afterRemoval(failed.size());
            if (!failed.isEmpty()) {
                complete(() -> failed.forEach(p -> p.fail(p.returned() ? unroutable(p) : failure.apply(p))));
            }
        }
    }

    private void afterRemoval(int removed) {
        if (removed > 0) {
            window.release(removed);
        }
        if (pending.isEmpty()) {
            synchronized (drainedMonitor) {
                drainedMonitor.notifyAll();
            }
            if (replaced) {
                closeWhenDrained();
            }
        }
    }

    private static BrokerUnavailableException unavailable(String message, Throwable cause) {
        return new BrokerUnavailableException(message, cause);
    }
}
