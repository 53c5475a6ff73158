package dev.keel.rabbit.internal;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lane queues one member of a group consumes, and how the group shares them.
 *
 * <p>Every member registers a consumer on every lane queue; single-active-consumer lets one of them
 * receive a lane's messages, the others stand by (and take over at once when it goes away). Alone
 * that gives failover but no sharing: the first member would keep every lane. So each member also
 * registers on the group's member queue, whose consumer count is the group's size {@code m}, and
 * periodically ({@link #rebalance()}) yields the lanes it is active on beyond its share
 * {@code ceil(lanes / m)}: it revokes the lane's records from the engine (started ones finish and
 * are acknowledged), closes the lane's channel (the broker returns the rest and activates the next
 * consumer, which gets them first) and registers again, at the back of the line.
 *
 * <p>A lane the broker ends while it runs ({@link LaneChannel#isLost()}: its channel closed by a
 * channel error, its consumer cancelled) is replaced the same way: revoked from the engine, its
 * channel closed, then reopened by a {@link LaneReopener}, which retries with backoff (while its
 * queue is missing, for instance). The broker redelivers what the lost channel had not acknowledged.
 */
final class Lanes {

    private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);
    private static final long REVOKE_MARGIN_MS = 5_000;
    /** How long a lane's channel stays open after its last acks (see {@link LaneChannel#close}). */
    static final Duration SETTLE_GRACE = Duration.ofMillis(250);

    private final String topic;
    private final String group;
    private final int prefetch;
    private final Supplier<Connection> connection;
    private final Topology topology;
    private final LaneChannel.Deliveries deliveries;
    private final Function<String, CompletionStage<Void>> revoke;
    private final Duration revokeTimeout;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final AtomicReferenceArray<LaneChannel> lanes;
    private final AtomicReferenceArray<Boolean> yielding;
    private final LaneReopener reopener;
    private volatile Channel presence;
    private volatile boolean ended;

    Lanes(String topic, String group, int count, int prefetch, Supplier<Connection> connection, Topology topology,
          LaneChannel.Deliveries deliveries, Function<String, CompletionStage<Void>> revoke, Duration revokeTimeout,
          Executor executor, ScheduledExecutorService scheduler) {
        this.topic = topic;
        this.group = group;
        this.prefetch = prefetch;
        this.connection = connection;
        this.topology = topology;
        this.deliveries = deliveries;
        this.revoke = revoke;
        this.revokeTimeout = revokeTimeout;
        this.executor = executor;
        this.scheduler = scheduler;
        this.lanes = new AtomicReferenceArray<>(count);
        this.yielding = new AtomicReferenceArray<>(count);
        for (int i = 0; i < count; i++) {
            yielding.set(i, false);
        }
        this.reopener = new LaneReopener(count, this::reopen, executor, scheduler);
    }

    /** Joins the group: registers on the member queue and on every lane queue. */
    void open() {
        try {
            Channel channel = connection.get().createChannel();
            channel.basicConsume(Names.membersQueue(topic, group), false, new DefaultConsumer(channel));
            presence = channel;
        } catch (IOException | AlreadyClosedException e) {
            throw new BrokerUnavailableException("cannot join group '" + group + "' of topic '" + topic + "': "
                    + e.getMessage(), e);
        }
        for (int i = 0; i < lanes.length(); i++) {
            LaneChannel lane = openLane(i);
            lanes.set(i, lane);
            if (lane.isLost()) {
                onLost(lane);
            }
        }
    }

    /**
     * Whether records of this lane channel may still go to the engine: not when the lane is being
     * handed over or its channel was closed (the broker takes those records back).
     */
    boolean isCurrent(LaneChannel lane) {
        return !ended && !yielding.get(lane.lane()) && !lane.isReleased();
    }

    /** One balancing round: reopens lanes missing since earlier, then yields lanes beyond this member's share. */
    void rebalance() {
        if (ended) {
            return;
        }
        for (int i = 0; i < lanes.length(); i++) {
            if (lanes.get(i) == null && !yielding.get(i)) {
                reopener.reopen(i, Duration.ZERO);
            }
        }
        int members;
        try {
            members = Math.max(1, topology.memberCount(topic, group));
        } catch (KeelException e) {
            LOG.debug("cannot count the members of group '{}': {}", group, e.getMessage());
            return;
        }
        int share = (lanes.length() + members - 1) / members;
        List<LaneChannel> active = new ArrayList<>();
        for (int i = 0; i < lanes.length(); i++) {
            LaneChannel lane = lanes.get(i);
            if (lane != null && lane.isActive() && !yielding.get(i)) {
                active.add(lane);
            }
        }
        for (int k = share; k < active.size(); k++) {
            yieldLane(active.get(k));
        }
    }

    /** Sends acks made so far and closes every channel: the rest goes back to the queues. */
    CompletableFuture<Void> close() {
        ended = true;
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (int i = 0; i < lanes.length(); i++) {
            LaneChannel lane = lanes.getAndSet(i, null);
            if (lane != null) {
                closing.add(lane.close(scheduler, SETTLE_GRACE));
            }
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> closePresence(false));
    }

    /** Closes every channel without sending more acks. */
    void abort() {
        ended = true;
        for (int i = 0; i < lanes.length(); i++) {
            LaneChannel lane = lanes.getAndSet(i, null);
            if (lane != null) {
                lane.abort();
            }
        }
        closePresence(true);
    }

    private void yieldLane(LaneChannel lane) {
        LOG.info("handing lane queue '{}' over to another member of group '{}'", lane.queue(), group);
        replace(lane, Duration.ZERO);
    }

    /** The broker ended this lane's consumer: replace it (on the executor, off the connection's threads). */
    private void onLost(LaneChannel lane) {
        if (ended || lanes.get(lane.lane()) != lane) {
            return; // closing, or not installed yet (installing checks isLost)
        }
        try {
            executor.execute(() -> replace(lane, LaneReopener.FIRST_RETRY));
        } catch (RejectedExecutionException e) {
            LOG.debug("lane queue '{}' not reopened: the adapter is closing", lane.queue());
        }
    }

    /**
     * Revokes the lane from the engine (queued records dropped, started ones finish), closes its
     * channel after the settle grace (the broker returns what is unacknowledged), then reopens it
     * after {@code delay}: the new consumer registers at the back of the lane queue's line.
     */
    private void replace(LaneChannel lane, Duration delay) {
        int i = lane.lane();
        if (!yielding.compareAndSet(i, false, true)) {
            return;
        }
        revoke.apply(lane.queue()).toCompletableFuture()
                .orTimeout(revokeTimeout.toMillis() + REVOKE_MARGIN_MS, TimeUnit.MILLISECONDS)
                .handle((v, e) -> lane.close(scheduler, SETTLE_GRACE))
                .thenCompose(closed -> closed)
                .whenCompleteAsync((v, e) -> {
                    lanes.compareAndSet(i, lane, null);
                    yielding.set(i, false);
                    reopener.reopen(i, delay);
                }, executor);
    }

    /** One attempt of the {@link LaneReopener}: true once lane {@code i} is open or no longer wanted. */
    private boolean reopen(int i) {
        if (ended || lanes.get(i) != null || yielding.get(i)) {
            return true;
        }
        LaneChannel fresh;
        try {
            fresh = openLane(i);
        } catch (KeelException e) {
            LOG.warn("cannot consume lane queue '{}' now, will retry: {}", Names.laneQueue(topic, group, i),
                    e.getMessage());
            return false;
        }
        if (ended || !lanes.compareAndSet(i, null, fresh)) {
            fresh.abort();
        } else if (fresh.isLost()) {
            onLost(fresh); // ended by the broker before it was installed
        }
        return true;
    }

    private LaneChannel openLane(int i) {
        return LaneChannel.open(connection.get(), i, Names.laneQueue(topic, group, i), prefetch, deliveries,
                this::onLost);
    }

    private void closePresence(boolean abort) {
        Channel channel = presence;
        if (channel == null) {
            return;
        }
        try {
            if (abort) {
                channel.abort();
            } else if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOG.debug("closing the member channel failed: {}", e.getMessage());
        }
    }
}
