package dev.keel.rabbit.internal;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.UnroutableException;
import dev.keel.spi.support.KeyHash;
import dev.keel.spi.support.TopologyHints;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes with confirms over a pool of {@link ConfirmChannel}s. A keyed record goes to lane
 * {@code KeyHash.laneOf(key, lanes)} (routing key = lane) on the channel {@code lane mod poolSize},
 * so one key always travels through one channel, in order; a record without a key takes the next
 * lane and channel round-robin. A lost channel is replaced on the next publish. Thread-safe.
 *
 * <p>No publish holds its caller much beyond {@code maxBlock}: while RabbitMQ blocks the connection
 * (a memory or disk alarm) publishes fail at once as retriable; waits for room and for the channel
 * are bounded; and a write or channel opening that lasts over {@code maxBlock} (the broker stopped
 * reading before it said it blocks us, or the network stalled) is ended by closing the connection's
 * socket, found by a periodic sweep: its publishes fail as retriable, the next publish reconnects.
 */
public final class RabbitProducer implements BrokerProducer {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitProducer.class);
    private static final int NOT_FOUND = 404;
    private static final long COMPLETION_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long MIN_SWEEP_MILLIS = 10;
    private static final long MAX_SWEEP_MILLIS = 1_000;

    private final ManagedConnection connection;
    private final Topology topology;
    private final RabbitConfig config;
    private final Executor completions;
    private final AtomicReferenceArray<ConfirmChannel> channels;
    /** Channels a nack took out of use, still waiting for the broker's answers to their pending publishes. */
    private final Set<ConfirmChannel> draining = ConcurrentHashMap.newKeySet();
    private final Object opening = new Object();
    private final AtomicLong roundRobin = new AtomicLong();
    private final ScheduledFuture<?> sweeper;
    /**
     * Set once by the close, which takes no lock a channel opening holds (an opening may wait for a connection to a
     * broker that does not answer, far beyond the close timeout); an opening that finds it set afterwards closes its
     * channel itself.
     */
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long openingSinceNanos;
    private volatile boolean openingChannel;
    private final DelayQueues delays;
    private final WriteRefusals writeRefusals = new WriteRefusals(System::nanoTime);
    private final SizeRefusals sizeRefusals = new SizeRefusals(System::nanoTime);

    public RabbitProducer(ManagedConnection connection, Topology topology, RabbitConfig config, Executor completions,
                          ScheduledExecutorService scheduler) {
        this.connection = connection;
        this.completions = completions;
        this.topology = topology;
        this.config = config;
        this.channels = new AtomicReferenceArray<>(config.channelPoolSize());
        this.delays = new DelayQueues(connection, config.queueType(), Clock.systemUTC());
        long every = Math.max(MIN_SWEEP_MILLIS, Math.min(MAX_SWEEP_MILLIS, config.maxBlock().toMillis() / 10));
        this.sweeper = scheduler.scheduleWithFixedDelay(this::endStuckWrites, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ClosedException("the RabbitMQ producer is closed"));
        }
        try {
            PublishLimits.check(record, config.maxMessageSize());
            sizeRefusals.check(record.topic(), record.id(), record.payload().length);
            connection.checkNotBlocked();
            OptionalInt lanes = topology.lanesOf(record.topic());
            if (lanes.isEmpty()) {
                return CompletableFuture.failedFuture(new UnroutableException("topic '" + record.topic()
                        + "' does not exist on RabbitMQ (no exchange of that name in vhost '" + config.virtualHost()
                        + "'): declare it and its consumer groups " + TopologyHints.declareWithGroups(record.topic())));
            }
            int lane;
            int slot;
            if (record.key() != null) {
                lane = KeyHash.laneOf(record.key(), lanes.getAsInt());
                slot = lane % channels.length();
            } else {
                long next = roundRobin.getAndIncrement() & Long.MAX_VALUE;
                lane = (int) (next % lanes.getAsInt());
                slot = (int) (next % channels.length());
            }
            String delayQueue = delays.queueFor(record, lane);
            String exchange = delayQueue == null ? Names.exchange(record.topic()) : "";
            writeRefusals.check(exchange, record.topic(), record.id());
            PendingPublish pending = new PendingPublish(record.topic(), exchange, record.id(), lane,
                    record.payload().length);
            channel(slot).publish(exchange, delayQueue == null ? Names.routingKey(lane) : delayQueue,
                    AmqpMessages.properties(record), record.payload(), pending, config.maxBlock());
            return delayQueue == null ? pending.future() : whenDelayQueueMissing(pending.future(), delayQueue);
        } catch (KeelException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A delayed publish returned as unroutable went to a delay queue that no longer exists (its topic
     * was deleted, by another process too, and declared again): forgotten, so that the retry declares
     * it again; the publish fails as retriable.
     */
    private CompletionStage<PublishReceipt> whenDelayQueueMissing(CompletableFuture<PublishReceipt> sent,
                                                                  String delayQueue) {
        return sent.exceptionallyCompose(e -> {
            if (e instanceof UnroutableException) {
                delays.forgetQueue(delayQueue);
                return CompletableFuture.failedFuture(new BrokerUnavailableException("the delay queue '" + delayQueue
                        + "' did not exist (its topic was deleted and declared again?); it is declared again on the"
                        + " next attempt: retry with the same id", e));
            }
            return CompletableFuture.failedFuture(e);
        });
    }

    /** Forgets the delay queues declared for {@code topic}, deleted: its next delayed publishes declare them again. */
    public void forgetDelays(String topic) {
        delays.forget(topic);
    }

    /** Publishes not yet confirmed, over all channels (those being replaced after a nack included). */
    public int pendingCount() {
        int n = 0;
        for (ConfirmChannel c : allChannels()) {
            n += c.pendingCount();
        }
        return n;
    }

    /** The pool's channels and those being replaced after a nack. */
    private List<ConfirmChannel> allChannels() {
        List<ConfirmChannel> all = new ArrayList<>(channels.length() + draining.size());
        for (int i = 0; i < channels.length(); i++) {
            ConfirmChannel c = channels.get(i);
            if (c != null) {
                all.add(c);
            }
        }
        all.addAll(draining);
        return all;
    }

    /**
     * Waits (up to the close timeout) for outstanding confirms; fails those still outstanding with
     * {@link ClosedException}, then closes the channels. Does not wait for a channel being opened meanwhile: that
     * opening closes its channel once it has it.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        List<ConfirmChannel> all = allChannels();
        for (ConfirmChannel c : all) {
            try {
                c.awaitSettled(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sweeper.cancel(false);
        for (ConfirmChannel c : all) {
            c.abandonPending(); // before any close of a channel or the connection can fail them as lost
        }
        if (longestWriteNanos(System.nanoTime()) > 0 || connection.isBlocked()) {
            // closing a channel would queue behind that write, or wait for a broker that does not read (a channel
            // being opened meanwhile is no reason: the close does not wait for it)
            connection.forceClose("the producer is closing while a publish is still writing or RabbitMQ blocks"
                    + " the connection");
            for (ConfirmChannel c : all) {
                try {
                    // closing a channel before the connection's thread heard the closed socket would wait for it
                    c.awaitShutdown(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        closeWithin(all, deadline);
        draining.clear();
        awaitCompletions(deadline);
    }

    /**
     * Closes the channels; if RabbitMQ has not answered their closes by {@code deadline} (the
     * connection went silent: each close would wait for the heartbeat to give up), the connection is
     * closed at its socket, which ends those waits.
     */
    private void closeWithin(List<ConfirmChannel> all, long deadline) {
        CompletableFuture<Void> closing = new CompletableFuture<>();
        closing.orTimeout(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).whenComplete((v, e) -> {
            if (e instanceof TimeoutException) {
                connection.forceClose("RabbitMQ did not answer closing the publishing channels within closeTimeout ("
                        + config.closeTimeout() + "): the connection is silent");
            }
        });
        for (ConfirmChannel c : all) {
            c.close();
        }
        closing.complete(null);
    }

    /**
     * The sweep: a write or channel opening over {@code maxBlock} is stuck; closing the socket ends it.
     * It closes the channels a nack took out of use that still wait for confirms {@code closeTimeout} after their
     * nack, whether a later publish replaced them in the pool yet or not, and lets go of the replaced ones once they
     * closed with nothing pending.
     */
    private void endStuckWrites() {
        long now = System.nanoTime();
        for (ConfirmChannel c : allChannels()) {
            c.abandonIfDrainingLonger(config.closeTimeout(), now);
        }
        for (ConfirmChannel c : draining) {
            if (c.closed() && c.settledAll()) {
                draining.remove(c);
            }
        }
        long stuck = stuckForNanos(now);
        if (stuck >= config.maxBlock().toNanos()) {
            connection.forceClose("a publish has been writing to RabbitMQ for " + TimeUnit.NANOSECONDS.toMillis(stuck)
                    + " ms, over maxBlock: the broker does not read (a memory or disk alarm?) or the network stalled;"
                    + " its publishes fail as retriable");
        }
    }

    /**
     * How long the oldest write or opening in progress has lasted, or 0: a connection's opening counts from its own
     * start (a channel opening may first have waited for another caller's), a channel's from the channel opening's.
     */
    private long stuckForNanos(long now) {
        long connecting = connection.openingForNanos(now);
        long opening = connecting > 0 ? connecting : openingChannel ? Math.max(1, now - openingSinceNanos) : 0;
        return Math.max(opening, longestWriteNanos(now));
    }

    /** How long the oldest write in progress has lasted, or 0. */
    private long longestWriteNanos(long now) {
        long longest = 0;
        for (ConfirmChannel c : allChannels()) {
            longest = Math.max(longest, c.writingForNanos(now));
        }
        return longest;
    }

    /** Returns once the completions queued so far have run: every future of this producer is done. */
    private void awaitCompletions(long deadline) {
        try {
            CompletableFuture.runAsync(() -> { }, completions)
                    .get(Math.max(1, deadline - System.nanoTime()) + COMPLETION_MARGIN_NANOS, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            LOG.debug("confirm completions not awaited: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ConfirmChannel channel(int slot) {
        ConfirmChannel current = channels.get(slot);
        if (current != null && current.isOpen()) {
            return current;
        }
        synchronized (opening) {
            if (closed.get()) {
                throw new ClosedException("the RabbitMQ producer is closed");
            }
            current = channels.get(slot);
            if (current != null && current.isOpen()) {
                return current;
            }
            openingSinceNanos = System.nanoTime();
            openingChannel = true;
            try {
                ConfirmChannel fresh = ConfirmChannel.open(connection.openChannel(), config.confirmWindow(),
                        completions, this::onChannelShutdown, connection::checkNotBlocked);
                if (current != null && (!current.settledAll()
                        || current.replacedByNack() && !current.closed())) {
                    // its pending publishes still wait for the broker's answers, or (lost, its shutdown not yet
                    // heard) for their failures: the close waits for them too
                    draining.add(current);
                }
                channels.set(slot, fresh);
                if (closed.get()) {
                    // the close began meanwhile and may not have seen this channel
                    fresh.close();
                    throw new ClosedException("the RabbitMQ producer is closed");
                }
                return fresh;
            } catch (IOException | AlreadyClosedException e) {
                throw new BrokerUnavailableException("cannot put a RabbitMQ channel in confirm mode: "
                        + e.getMessage(), e);
            } finally {
                openingChannel = false;
            }
        }
    }

    private void onChannelShutdown(ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication()) {
            return;
        }
        RefusedExchange.of(cause).ifPresent(writeRefusals::refused); // heard before the channel's publishes fail
        SizeRefusal.of(cause).ifPresent(sizeRefusals::refused);
        if (BrokerCalls.replyCode(cause) == NOT_FOUND) {
            // an exchange was deleted under us: look topics up again (a missing exchange is then found missing
            // before anything is sent); heard before the channel's publishes fail, so that their retries look it up
            topology.forgetLanes();
        }
        LOG.warn("RabbitMQ publishing channel closed: {}", cause.getMessage());
    }
}
