package dev.keel.rabbit.internal;

import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.UnroutableException;
import dev.keel.ordering.KeyHash;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes with confirms over a pool of {@link ConfirmChannel}s. A keyed record goes to lane
 * {@code KeyHash.laneOf(key, lanes)} (routing key = lane) on the channel {@code lane mod poolSize},
 * so one key always travels through one channel, in order; a record without a key takes the next
 * lane and channel round-robin. A lost channel is replaced on the next publish. Thread-safe.
 */
public final class RabbitProducer implements BrokerProducer {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitProducer.class);
    private static final int NOT_FOUND = 404;
    private static final long COMPLETION_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ManagedConnection connection;
    private final Topology topology;
    private final RabbitConfig config;
    private final Executor completions;
    private final ConfirmChannel[] channels;
    private final AtomicLong roundRobin = new AtomicLong();
    private volatile boolean closed;

    public RabbitProducer(ManagedConnection connection, Topology topology, RabbitConfig config, Executor completions) {
        this.connection = connection;
        this.completions = completions;
        this.topology = topology;
        this.config = config;
        this.channels = new ConfirmChannel[config.channelPoolSize()];
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("the RabbitMQ producer is closed"));
        }
        try {
            PublishLimits.check(record);
            OptionalInt lanes = topology.lanesOf(record.topic());
            if (lanes.isEmpty()) {
                return CompletableFuture.failedFuture(new UnroutableException("topic '" + record.topic()
                        + "' does not exist on RabbitMQ (no exchange of that name in vhost '" + config.virtualHost()
                        + "'): declare it and its consumer groups with ensureTopology"));
            }
            int lane;
            int slot;
            if (record.key() != null) {
                lane = KeyHash.laneOf(record.key(), lanes.getAsInt());
                slot = lane % channels.length;
            } else {
                long next = roundRobin.getAndIncrement() & Long.MAX_VALUE;
                lane = (int) (next % lanes.getAsInt());
                slot = (int) (next % channels.length);
            }
            PendingPublish pending = new PendingPublish(record.topic(), record.id(), lane);
            channel(slot).publish(Names.exchange(record.topic()), Names.routingKey(lane),
                    AmqpMessages.properties(record), record.payload(), pending, config.maxBlock());
            return pending.future();
        } catch (KeelException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Publishes not yet confirmed, over all channels. */
    public int pendingCount() {
        int n = 0;
        synchronized (channels) {
            for (ConfirmChannel c : channels) {
                n += c == null ? 0 : c.pendingCount();
            }
        }
        return n;
    }

    /** Waits (up to the close timeout) for outstanding confirms, then closes the channels. */
    @Override
    public void close() {
        ConfirmChannel[] open;
        synchronized (channels) {
            if (closed) {
                return;
            }
            closed = true;
            open = channels.clone();
        }
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        for (ConfirmChannel c : open) {
            if (c == null) {
                continue;
            }
            try {
                c.awaitSettled(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.close();
        }
        awaitCompletions(deadline);
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
        synchronized (channels) {
            if (closed) {
                throw new ClosedException("the RabbitMQ producer is closed");
            }
            ConfirmChannel current = channels[slot];
            if (current != null && current.isOpen()) {
                return current;
            }
            try {
                ConfirmChannel fresh = ConfirmChannel.open(connection.openChannel(), config.confirmWindow(),
                        completions, this::onChannelShutdown);
                channels[slot] = fresh;
                return fresh;
            } catch (IOException e) {
                throw new BrokerUnavailableException("cannot put a RabbitMQ channel in confirm mode: "
                        + e.getMessage(), e);
            }
        }
    }

    private void onChannelShutdown(ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication()) {
            return;
        }
        if (Topology.replyCode(cause) == NOT_FOUND) {
            topology.forgetLanes(); // an exchange was deleted under us: look topics up again
        }
        LOG.warn("RabbitMQ publishing channel closed: {}", cause.getMessage());
    }
}
