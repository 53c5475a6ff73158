package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane queue consumed on a channel of its own (manual acks, {@code basic.qos} prefetch), so
 * that the lane can be handed to another member of the group by closing just this channel: the
 * broker then returns its unacknowledged messages and single-active-consumer activates the next
 * consumer, which gets them first. Knows whether the broker has made it the lane's active
 * consumer: only the active consumer receives deliveries.
 *
 * <p>Reports itself lost, once, when its consumer ends while it runs and this side did not end it:
 * the connection was lost (the consuming connection does not recover by itself), the broker closed
 * the channel (a channel error such as an acknowledgement timeout) or cancelled the consumer (its
 * queue was deleted). In each case the broker has already made the next consumer in line active
 * and will redeliver what this channel had not acknowledged to it: the owner must stop the lane's
 * records at once. The report comes on the thread that learnt of the loss (the connection's).
 */
final class LaneChannel {

    private static final Logger LOG = LoggerFactory.getLogger(LaneChannel.class);

    /** Receives this lane's deliveries, on the channel's dispatch thread, in order. */
    @FunctionalInterface
    interface Deliveries {
        void deliver(LaneChannel lane, Envelope envelope, AMQP.BasicProperties properties, byte[] body);
    }

    private final int lane;
    private final String queue;
    private final Channel channel;
    private final AckBatcher acks;
    private final AtomicBoolean active = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final AtomicBoolean consuming = new AtomicBoolean();
    private final AtomicBoolean lost = new AtomicBoolean();
    private final Consumer<LaneChannel> onLost;

    private LaneChannel(int lane, String queue, Channel channel, Consumer<LaneChannel> onLost) {
        this.lane = lane;
        this.queue = queue;
        this.channel = channel;
        this.acks = new AckBatcher(channel);
        this.onLost = onLost;
    }

    /**
     * Opens a channel on {@code connection} and starts consuming {@code queue}; {@code onLost} hears
     * when the consumer later ends without this side ending it (on the connection's threads: it must
     * not block, and should hand longer work on).
     */
    static LaneChannel open(Connection connection, int lane, String queue, int prefetch, Deliveries deliveries,
                            Consumer<LaneChannel> onLost) {
        Channel channel;
        try {
            channel = connection.createChannel();
        } catch (IOException | AlreadyClosedException e) {
            throw new BrokerUnavailableException("cannot open a RabbitMQ channel for queue '" + queue + "': "
                    + e.getMessage(), e);
        }
        if (channel == null) {
            throw new BrokerUnavailableException("RabbitMQ refused another channel (channel-max reached)", null);
        }
        LaneChannel lc = new LaneChannel(lane, queue, channel, onLost);
        channel.addShutdownListener(lc::onShutdown);
        try {
            channel.basicQos(prefetch);
            channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                                           byte[] body) {
                    lc.active.set(true);
                    deliveries.deliver(lc, envelope, properties, body);
                }

                @Override
                public void handleCancel(String tag) {
                    if (!lc.released.get()) {
                        LOG.warn("RabbitMQ cancelled consuming partition queue '{}' (deleted?); it will be reopened", queue);
                        lc.reportLost();
                    }
                }
            });
        } catch (IOException | AlreadyClosedException e) {
            lc.abort();
            if (BrokerCalls.replyCode(e) == BrokerCalls.ACCESS_REFUSED) {
                throw new AccessRefusedException("cannot consume queue '" + queue + "': RabbitMQ refused it ("
                        + BrokerCalls.replyText(e) + "): the user needs the read permission on the group's queues"
                        + " (rabbitmqctl set_permissions, the read pattern; docs/security.md lists what Keel needs);"
                        + " retrying cannot help", e);
            }
            throw new BrokerUnavailableException("cannot consume queue '" + queue + "': "
                    + (e.getCause() instanceof ShutdownSignalException s ? s.getMessage() : e.getMessage()), e);
        }
        lc.consuming.set(true);
        if (!channel.isOpen()) {
            lc.reportLost(); // closed by the broker before consuming was recorded
        }
        return lc;
    }

    int lane() {
        return lane;
    }

    String queue() {
        return queue;
    }

    AckBatcher acks() {
        return acks;
    }

    /** Whether this consumer received deliveries since it was registered (so it is the active one). */
    boolean isActive() {
        return active.get() && !released.get();
    }

    boolean isReleased() {
        return released.get();
    }

    /** Whether the broker ended its consumer (see the class comment); its owner replaces it. */
    boolean isLost() {
        return lost.get();
    }

    /**
     * Sends the acks made so far and, {@code settleGrace} later, closes the channel: the broker
     * returns the rest to the queue. Quorum queues apply acks lazily, and returning a channel's
     * messages overtakes acks still pending: without the grace, messages acknowledged just before
     * the close come back (harmless duplicates, but avoidable ones).
     */
    CompletableFuture<Void> close(ScheduledExecutorService scheduler, Duration settleGrace) {
        if (!released.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        acks.flush(); // acks keep being sent during the grace, while the channel is open
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Runnable closeChannel = () -> {
            try {
                acks.drainAndStop();
                channel.close(); // even when the broker closed it: forgets it in the connection's recovery
            } catch (IOException | TimeoutException | RuntimeException e) {
                LOG.debug("closing the channel of '{}' failed: {}", queue, e.getMessage());
            } finally {
                closed.complete(null);
            }
        };
        try {
            scheduler.schedule(closeChannel, settleGrace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            closeChannel.run();
        }
        return closed;
    }

    /** Closes the channel without sending any more acks. */
    void abort() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        acks.stop();
        try {
            channel.abort();
        } catch (IOException | RuntimeException e) {
            LOG.debug("aborting the channel of '{}' failed: {}", queue, e.getMessage());
        }
    }

    private void onShutdown(ShutdownSignalException cause) {
        acks.newEpoch();
        active.set(false);
        if (released.get() || !consuming.get()) {
            return;
        }
        if (cause.isHardError()) {
            // once per partition queue: INFO, the outage itself is told once per subscription (Lanes)
            LOG.info("channel of partition queue '{}' lost with its connection ({}); it will be reopened and its"
                    + " unacknowledged messages redelivered", queue, cause.getMessage());
        } else {
            LOG.warn("RabbitMQ closed the channel of partition queue '{}' ({}); it will be reopened and its"
                    + " unacknowledged messages redelivered", queue, cause.getMessage());
        }
        reportLost();
    }

    private void reportLost() {
        if (consuming.get() && !released.get() && lost.compareAndSet(false, true)) {
            onLost.accept(this);
        }
    }
}
