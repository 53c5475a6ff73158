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
            lanes.set(i, LaneChannel.open(connection.get(), i, Names.laneQueue(topic, group, i), prefetch, deliveries));
        }
    }

    /**
     * Whether records of this lane channel may still go to the engine: not when the lane is being
     * handed over or its channel was closed (the broker takes those records back).
     */
    boolean isCurrent(LaneChannel lane) {
        return !ended && !yielding.get(lane.lane()) && !lane.isReleased();
    }

    /** One balancing round: reopens lanes lost earlier, then yields lanes beyond this member's share. */
    void rebalance() {
        if (ended) {
            return;
        }
        for (int i = 0; i < lanes.length(); i++) {
            if (lanes.get(i) == null && !yielding.get(i)) {
                reopen(i);
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
        int i = lane.lane();
        if (!yielding.compareAndSet(i, false, true)) {
            return;
        }
        LOG.info("handing lane queue '{}' over to another member of group '{}'", lane.queue(), group);
        revoke.apply(lane.queue()).toCompletableFuture()
                .orTimeout(revokeTimeout.toMillis() + REVOKE_MARGIN_MS, TimeUnit.MILLISECONDS)
                .handle((v, e) -> lane.close(scheduler, SETTLE_GRACE))
                .thenCompose(closed -> closed)
                .whenCompleteAsync((v, e) -> {
                    lanes.compareAndSet(i, lane, null);
                    yielding.set(i, false);
                    reopen(i);
                }, executor);
    }

    private void reopen(int i) {
        if (ended) {
            return;
        }
        try {
            LaneChannel fresh = LaneChannel.open(connection.get(), i, Names.laneQueue(topic, group, i), prefetch,
                    deliveries);
            if (ended || !lanes.compareAndSet(i, null, fresh)) {
                fresh.abort();
            }
        } catch (KeelException e) {
            LOG.warn("cannot consume lane queue '{}' now, will retry: {}", Names.laneQueue(topic, group, i),
                    e.getMessage());
        }
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
