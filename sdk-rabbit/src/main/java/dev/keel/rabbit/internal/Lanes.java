package dev.keel.rabbit.internal;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import dev.keel.AccessRefusedException;
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
import java.util.concurrent.atomic.AtomicBoolean;
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
 * registers on the group's member queue ({@link Topology#membersQueue}), whose consumer count is the
 * group's size {@code m}, and
 * periodically ({@link #rebalance()}) yields the lanes it is active on beyond its share
 * {@code ceil(lanes / m)}: it revokes the lane's records from the engine (started ones finish and
 * are acknowledged), closes the lane's channel (the broker returns the rest and activates the next
 * consumer, which gets them first) and registers again, at the back of the line. A lane that comes
 * straight back to it makes it stop handing lanes over until the count changes ({@link HandOverGuard}).
 *
 * <p>A lane whose consumer ends while it runs ({@link LaneChannel#isLost()}: its connection lost,
 * its channel closed by a channel error, its consumer cancelled) is replaced the same way, except
 * that the revoke is made at once, on the thread that learnt of the loss: the broker has already
 * made the next member active and redelivers the lane's unacknowledged messages to it, so nothing
 * this member still holds may start. Then its channel is closed and, once the records that were
 * running have finished (their acks are dropped: the channel is gone), the lane is reopened by a
 * {@link LaneReopener}, which retries with backoff (while the connection or the queue is missing),
 * and registers at the back of the line: a standby when another member took over. The member
 * registration is reopened by the balancing rounds when its channel was lost.
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
    private final HandOverGuard guard;
    private final ConsumeOutage outage;
    private final Object presenceLock = new Object();
    private final AtomicBoolean registering = new AtomicBoolean();
    /** Whether the last member registration failed: its repeats are logged at DEBUG, its success at INFO. */
    private boolean registrationFailing;
    private volatile Channel presence;
    private volatile boolean ended;
    /** Runs in a reopen between its check that the lanes are not closed and the new lane's install: tests only. */
    private volatile Runnable beforeInstall = () -> { };

    Lanes(String topic, String group, int count, int prefetch, Supplier<Connection> connection, Topology topology,
          LaneChannel.Deliveries deliveries, Function<String, CompletionStage<Void>> revoke, Duration revokeTimeout,
          Executor executor, ScheduledExecutorService scheduler, ConsumeOutage outage) {
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
        this.guard = new HandOverGuard(count);
        this.outage = outage;
    }

    /**
     * Joins the group: registers on the member queue (when that fails, the balancing rounds try
     * again: it only counts members) and on every lane queue.
     */
    void open() {
        registerPresence();
        for (int i = 0; i < lanes.length(); i++) {
            LaneChannel lane;
            try {
                lane = openLane(i);
            } catch (KeelException e) {
                if (BrokerCalls.replyCode(e) != BrokerCalls.NOT_FOUND || BrokerCalls.queueNodeDown(e)
                        || !topology.heal(topic, group, lanes.length())) {
                    throw e;
                }
                lane = openLane(i); // its queue was missing and is declared again
            }
            lanes.set(i, lane);
            if (ended) {
                // closed while (or before) opening: what the close's sweep did not see is closed here
                if (lanes.compareAndSet(i, lane, null)) {
                    lane.abort();
                }
            } else if (lane.isLost()) {
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
        Channel registered = presence;
        if ((registered == null || !registered.isOpen()) && registering.compareAndSet(false, true)) {
            try {
                // on the executor: reconnecting may take up to the connection timeout, the scheduler is shared
                executor.execute(() -> {
                    try {
                        registerPresence();
                    } finally {
                        registering.set(false);
                    }
                });
            } catch (RejectedExecutionException e) {
                registering.set(false);
            }
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
        guard.startRound(members);
        List<LaneChannel> active = new ArrayList<>();
        for (int i = 0; i < lanes.length(); i++) {
            LaneChannel lane = lanes.get(i);
            if (lane != null && lane.isActive() && !yielding.get(i)) {
                active.add(lane);
                if (guard.activeOn(i, members)) {
                    LOG.info("partition queue '{}' came back to this member after it handed it over: no other member "
                            + "of group '{}' was waiting on it, though its member queue counts {} (a member whose node "
                            + "is down is still listed, or another member is reconnecting and has not consumed it "
                            + "again yet); no more hand-overs until the count changes", lane.queue(), group, members);
                }
            }
        }
        if (guard.holdsBack()) {
            return;
        }
        for (int k = share; k < active.size(); k++) {
            guard.handedOver(active.get(k).lane());
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
        LOG.info("handing partition queue '{}' over to another member of group '{}'", lane.queue(), group);
        replace(lane, Duration.ZERO);
    }

    /**
     * This lane's consumer ended (see {@link LaneChannel}): the next member is active already, so the
     * lane is revoked from the engine now, on this (the connection's) thread, then replaced.
     */
    private void onLost(LaneChannel lane) {
        if (ended || lanes.get(lane.lane()) != lane) {
            return; // closing, or not installed yet (installing checks isLost)
        }
        try {
            replace(lane, LaneReopener.FIRST_RETRY);
        } catch (RejectedExecutionException e) {
            LOG.debug("partition queue '{}' not reopened: the adapter is closing", lane.queue());
        }
    }

    /**
     * Revokes the lane from the engine at once (queued records dropped, started ones finish), then,
     * once they finished, closes its channel after the settle grace (the broker returns what is
     * unacknowledged) and reopens it after {@code delay}: the new consumer registers at the back of
     * the lane queue's line.
     */
    private void replace(LaneChannel lane, Duration delay) {
        int i = lane.lane();
        if (!yielding.compareAndSet(i, false, true)) {
            return;
        }
        CompletableFuture<Void> revoked;
        try {
            revoked = revoke.apply(lane.queue()).toCompletableFuture();
        } catch (RuntimeException e) {
            LOG.warn("revoking partition queue '{}' from the engine failed: {}", lane.queue(), e.toString());
            revoked = CompletableFuture.failedFuture(e);
        }
        revoked.orTimeout(revokeTimeout.toMillis() + REVOKE_MARGIN_MS, TimeUnit.MILLISECONDS)
                .handle((v, e) -> lane.close(scheduler, SETTLE_GRACE))
                .thenCompose(closed -> closed)
                .whenCompleteAsync((v, e) -> {
                    lanes.compareAndSet(i, lane, null);
                    yielding.set(i, false);
                    reopener.reopen(i, delay);
                }, executor);
    }

    /** Registers this member on the group's member queue; logs and leaves it to the next round when that fails. */
    private void registerPresence() {
        synchronized (presenceLock) {
            registerPresenceLocked();
        }
    }

    private void registerPresenceLocked() {
        Channel previous = presence;
        if (previous != null) {
            presence = null;
            closeQuietly(previous, true);
        }
        Channel channel = null;
        try {
            channel = connection.get().createChannel();
            channel.basicConsume(topology.membersQueue(topic, group), false, new DefaultConsumer(channel));
            if (ended) {
                closeQuietly(channel, true);
                return;
            }
            presence = channel;
            if (registrationFailing) {
                registrationFailing = false;
                LOG.info("registered as a member of group '{}' of topic '{}' again", group, topic);
            }
        } catch (IOException | AlreadyClosedException | KeelException e) {
            if (channel != null) {
                closeQuietly(channel, true);
            }
            if (registrationFailing) {
                LOG.debug("still cannot register as a member of group '{}' of topic '{}': {}", group, topic,
                        e.getMessage());
            } else {
                registrationFailing = true;
                LOG.warn("cannot register as a member of group '{}' of topic '{}' now (members are counted to share"
                        + " the partitions; will retry, repeats logged at DEBUG): {}", group, topic, e.getMessage());
            }
        }
    }

    /** One attempt of the {@link LaneReopener}: true once lane {@code i} is open or no longer wanted. */
    private boolean reopen(int i) {
        if (ended || lanes.get(i) != null || yielding.get(i)) {
            return true;
        }
        LaneChannel fresh;
        try {
            fresh = openLane(i);
        } catch (AccessRefusedException e) {
            outage.refused(e); // retrying cannot help: the member ends with it
            return true;
        } catch (KeelException e) {
            if (ended) {
                // closed meanwhile (the adapter's connection with it): not an outage, and nothing to retry
                LOG.debug("partition queue '{}' not reopened: the subscription closed",
                        Names.laneQueue(topic, group, i));
                return true;
            }
            if (BrokerCalls.replyCode(e) == BrokerCalls.NOT_FOUND && !BrokerCalls.queueNodeDown(e)) {
                healGroup(); // the queue was deleted: declared again when the topic's record still lists the group
            }
            if (outage.failed(i, e)) {
                LOG.warn("cannot consume topic '{}' as group '{}' now (partition queue '{}'): {}; retrying until"
                        + " RabbitMQ is back (repeats logged at DEBUG, the end of the outage at INFO)", topic, group,
                        Names.laneQueue(topic, group, i), e.getMessage());
            } else {
                LOG.debug("still cannot consume partition queue '{}': {}", Names.laneQueue(topic, group, i),
                        e.getMessage());
            }
            return false;
        }
        if (outage.opened(i)) {
            LOG.info("consuming topic '{}' as group '{}' again: every partition queue is open", topic, group);
        }
        boolean closing = ended;
        beforeInstall.run();
        if (closing || !lanes.compareAndSet(i, null, fresh)) {
            fresh.abort();
        } else if (ended) {
            // close() ran between the check and the install: its sweep may have missed this lane, which would then
            // stay the queue's active consumer, holding its messages unacknowledged for as long as the connection
            if (lanes.compareAndSet(i, fresh, null)) {
                fresh.abort();
            }
        } else if (fresh.isLost()) {
            onLost(fresh); // ended by the broker before it was installed
        }
        return true;
    }

    private void healGroup() {
        try {
            topology.heal(topic, group, lanes.length());
        } catch (RuntimeException e) {
            LOG.debug("cannot declare again the queues of group '{}' of topic '{}': {}", group, topic, e.toString());
        }
    }

    /** Sets what runs in a reopen just before the new lane is installed: a test's way into that window. */
    void beforeInstall(Runnable hook) {
        beforeInstall = hook;
    }

    private LaneChannel openLane(int i) {
        return LaneChannel.open(connection.get(), i, Names.laneQueue(topic, group, i), prefetch, deliveries,
                this::onLost);
    }

    private void closePresence(boolean abort) {
        synchronized (presenceLock) {
            Channel channel = presence;
            presence = null;
            if (channel != null) {
                closeQuietly(channel, abort);
            }
        }
    }

    private static void closeQuietly(Channel channel, boolean abort) {
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
