package dev.keel.core.internal;

import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.testing.Crashable;
import dev.keel.dedup.ClaimResult;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running subscription: takes records from the broker consumer, runs each through the handling
 * chain in its key's lane, acknowledges it when the chain says so, and tracks in-flight work per
 * partition for backpressure, rebalances and close. One periodic tick on the engine's scheduler
 * (every store retry interval) claims again the messages waiting for ids another consumer holds,
 * renews the claims the subscription holds when due, and watches for stalls.
 */
final class EngineSubscription implements Subscription, DeliverySink, Crashable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineSubscription.class);
    /** The tick of a subscription without idempotency claims: the stall watch only. */
    private static final Duration TICK_WITHOUT_STORE = Duration.ofSeconds(1);

    enum State { RUNNING, CLOSING, CLOSED, ABORTED }

    private final SubscriptionConfig<?> config;
    private final BrokerConsumer consumer;
    private final KeyOrderedExecutor lanes;
    private final ExecutorService handlerPool;
    private final ExecutorService storePool;
    private final FlowControl flow;
    private final StoreAccess store;
    private final Step chain;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final StallWatch stallWatch;
    private final LaneStallWatch laneStalls;
    private volatile ScheduledFuture<?> ticker;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final Map<String, Set<Work>> inFlight = new ConcurrentHashMap<>();
    /** Parked works that gave back their in-flight slot; at most maxInFlight, so parking holds bounded memory. */
    private final Set<Work> slotsGivenBack = ConcurrentHashMap.newKeySet();
    /** Under per-key ordering, the last received unfinished work of each key. */
    private final Map<String, Work> lastOfKey = new ConcurrentHashMap<>();
    /** Under idempotency claims, the last received unfinished work of each id. */
    private final Map<String, Work> lastOfId = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Why the broker consumer stopped on its own, when it did ({@link #failed}). */
    private volatile Throwable failure;

    EngineSubscription(SubscriptionConfig<?> config, BrokerConsumer consumer, KeyOrderedExecutor lanes,
                       ExecutorService handlerPool, ExecutorService storePool, FlowControl flow, StoreAccess store,
                       Step chain, Clock clock, ScheduledExecutorService scheduler, MetricsRecorder metrics) {
        this.config = config;
        this.consumer = consumer;
        this.lanes = lanes;
        this.handlerPool = handlerPool;
        this.storePool = storePool;
        this.flow = flow;
        this.store = store;
        this.chain = chain;
        this.clock = clock;
        this.scheduler = scheduler;
        this.stallWatch = new StallWatch(clock, config.topic(), config.group(),
                store != null ? config.idempotencyPolicy().lease() : null);
        this.laneStalls = new LaneStallWatch(lanes, clock, metrics, config.topic(), config.group());
    }

    /** Starts the periodic tick; called once, before the consumer starts delivering. */
    void start() {
        long period = store != null ? config.idempotencyPolicy().storeRetryInterval().toMillis()
                : TICK_WITHOUT_STORE.toMillis();
        try {
            ticker = scheduler.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("the scheduler refused the tick of the subscription to {} for group {}: claims will not be "
                    + "renewed and BUSY messages not claimed again (is the scheduler given to Keel shut down?)",
                    topic(), group());
        }
    }

    private void tick() {
        try {
            if (isStopped()) {
                return;
            }
            if (store != null) {
                store.busyWaits().tick();
                store.leases().tick();
            }
            stallWatch.check(new StallWatch.Counts(flow.inFlight(),
                    store != null ? store.busyWaits().size() : 0,
                    store != null ? store.busyWaits().waitingLongerThan(
                            config.idempotencyPolicy().lease().toMillis()) : 0,
                    store != null ? store.leases().size() : 0, slotsGivenBack.size()));
            laneStalls.check();
        } catch (RuntimeException | Error e) {
            LOG.warn("tick of the subscription to {} for group {} failed: {}", topic(), group(), e.toString());
        }
    }

    private void stopTicking() {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
        if (store != null) {
            store.busyWaits().stop();
        }
    }

    boolean isStopped() {
        return state.get() == State.ABORTED || state.get() == State.CLOSED;
    }

    Duration closeTimeoutOf() {
        return config.closeTimeout();
    }

    int inFlightCount() {
        return flow.inFlight();
    }

    /** Messages received and not finished yet (parked ones included). */
    int unacknowledgedCount() {
        int n = 0;
        for (Set<Work> works : inFlight.values()) {
            n += works.size();
        }
        return n;
    }

    int busyWaitingCount() {
        return store != null ? store.busyWaits().size() : 0;
    }

    int stalledLaneCount() {
        return laneStalls.stalledLanes();
    }

    @Override
    public void accept(List<InboundRecord> records) {
        if (state.get() != State.RUNNING || records.isEmpty()) {
            return; // not acknowledged: the broker redelivers them to the group
        }
        List<Work> works = new ArrayList<>(records.size());
        for (InboundRecord record : records) {
            Work work = new Work(record);
            inFlight.computeIfAbsent(record.partition(), p -> ConcurrentHashMap.newKeySet()).add(work);
            works.add(work);
        }
        flow.added(works.size());
        if (store != null) {
            // a copy of an id still in flight here (a duplicate publish, a redelivery) is claimed only when it runs:
            // under per-key ordering it runs after the earlier copy, which would otherwise wait BUSY for ever for the
            // claim this one holds (renewed while it waits behind it)
            List<Work> toPrefetch = new ArrayList<>(works.size());
            for (Work work : works) {
                if (!FilterStep.passes(config, work.record())) {
                    continue; // skipped by the header filter: never claimed
                }
                String id = work.record().id();
                Work earlier = lastOfId.put(id, work);
                work.finished().whenComplete((v, e) -> lastOfId.remove(id, work));
                if (earlier == null || earlier.finished().isDone()) {
                    toPrefetch.add(work);
                }
            }
            long requestedAt = clock.millis();
            List<CompletableFuture<ClaimResult>> claims = store.claimAllOf(toPrefetch);
            for (int i = 0; i < toPrefetch.size(); i++) {
                Work work = toPrefetch.get(i);
                work.claim(claims.get(i), requestedAt);
                // renewed from now on, while it waits in its lane too
                claims.get(i).thenAccept(result -> {
                    if (result.isClaimed()) {
                        store.leases().hold(work);
                    }
                });
            }
        }
        boolean perKey = config.ordering() == Ordering.PER_KEY;
        for (Work work : works) {
            String key = perKey ? work.record().key() : null;
            if (key != null) {
                Work previous = lastOfKey.put(key, work);
                if (previous != null) {
                    work.previousOfKey(previous.finished());
                }
                work.finished().whenComplete((v, e) -> lastOfKey.remove(key, work));
            }
            lanes.submit(key, () -> process(work));
        }
    }

    /**
     * Runs one work in its lane. The lane is held until the work no longer needs it: until its
     * handler succeeded (marking done and acknowledging then go on while the lane runs the next
     * message, of another key), or until it finished otherwise (retries and dead-lettering keep the
     * lane waiting). A work whose key's previous message is not finished yet (its handler succeeded
     * but it is not marked done) does not hold the lane: it starts on its own once that one finished,
     * so a key never has more than one message between its side effect and being marked done.
     */
    private CompletionStage<Void> process(Work work) {
        CompletableFuture<Void> previous = work.previousOfKey();
        if (previous != null && !previous.isDone()) {
            previous.whenComplete((v, e) -> {
                try {
                    handlerPool.execute(() -> run(work));
                } catch (RejectedExecutionException closed) {
                    // the subscription stopped: it drops its queued works, this one included
                }
            });
            return CompletableFuture.completedFuture(null);
        }
        return run(work);
    }

    private CompletionStage<Void> run(Work work) {
        if (!work.start()) {
            return CompletableFuture.completedFuture(null);
        }
        if (isStopped()) {
            finish(work, Outcome.DROPPED);
            return CompletableFuture.completedFuture(null);
        }
        work.parked().thenRun(() -> parked(work));
        boolean ackFirst = config.guarantee() == DeliveryGuarantee.AT_MOST_ONCE;
        if (ackFirst) {
            ack(work);
        }
        Futures.call(() -> chain.handle(work)).whenComplete((outcome, error) -> {
            if (error != null) {
                if (isStopped()) { // crashed or closed: its pools refuse work; the broker redelivers it
                    LOG.debug("message {} from {} stopped with its subscription: {}", work.record().id(),
                            work.record().topic(), Futures.unwrap(error).toString());
                } else {
                    LOG.error("message {} from {} left the handling chain with an error and stays unacknowledged: {}",
                            work.record().id(), work.record().topic(), Futures.unwrap(error).toString());
                }
                finish(work, Outcome.DROPPED);
                return;
            }
            if (outcome != Outcome.DROPPED && !ackFirst) {
                ack(work);
            }
            finish(work, outcome);
        });
        return work.laneFree();
    }

    private void ack(Work work) {
        if (state.get() == State.ABORTED) {
            return;
        }
        try {
            work.record().ack();
        } catch (RuntimeException e) {
            LOG.warn("acknowledging message {} failed; the broker will redeliver it: {}", work.record().id(), e.toString());
        }
    }

    private void finish(Work work, Outcome outcome) {
        Set<Work> works = inFlight.get(work.record().partition());
        if (works != null) {
            works.remove(work);
        }
        work.finish();
        stallWatch.progressed();
        if (!slotsGivenBack.remove(work)) {
            flow.finished();
        }
    }

    /**
     * A parked work (neither handled nor dead-lettered) gives back its in-flight slot so other keys
     * keep flowing, unless {@code maxInFlight} parked works already did: then it keeps it, and a
     * subscription whose dead letters all fail ends up paused instead of holding unbounded memory.
     */
    private void parked(Work work) {
        synchronized (slotsGivenBack) {
            if (slotsGivenBack.size() >= config.maxInFlight()) {
                return;
            }
            slotsGivenBack.add(work);
        }
        flow.finished();
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        if (state.get() == State.ABORTED) {
            return CompletableFuture.completedFuture(null); // crashed: nothing more will be acknowledged
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        List<Work> dropped = new ArrayList<>();
        // first mark every queued work of the partitions dropped, then complete them: completing one at a time
        // would let a key's next message start the moment its predecessor was dropped, ahead of its redelivery
        for (String partition : partitions) {
            Set<Work> works = inFlight.remove(partition);
            if (works == null) {
                continue;
            }
            for (Work work : works) {
                if (work.markDropped()) {
                    dropped.add(work);
                    continue;
                }
                // retried no more, waits for no claim or dead letter: left unacknowledged, its claim released,
                // for the partition's next owner; a handler running now finishes its attempt
                work.abandon();
                if (work.isParked()) {
                    continue;
                }
                running.add(work.finished());
            }
        }
        for (Work work : dropped) {
            work.completeDropped();
            afterDrop(work, true);
        }
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, config.revokeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops a queued work (releasing its claim when asked); false when it had already started. */
    private boolean drop(Work work, boolean releaseClaim) {
        if (!work.drop()) {
            return false;
        }
        afterDrop(work, releaseClaim);
        return true;
    }

    /** Gives back a dropped work's in-flight slot and, when asked, its claim. */
    private void afterDrop(Work work, boolean releaseClaim) {
        flow.finished();
        CompletableFuture<ClaimResult> claim = work.claim();
        if (releaseClaim && claim != null && store != null) {
            claim.thenAccept(result -> {
                if (result.isClaimed()) {
                    store.leases().release(work);
                }
            });
        } else if (store != null) {
            store.leases().done(work); // crashed: renewed no more, left to expire
        }
    }

    @Override
    public Subscription.State state() {
        return switch (state.get()) {
            case RUNNING -> flow.isStoreDown() ? Subscription.State.PAUSED : Subscription.State.RUNNING;
            case CLOSING -> Subscription.State.CLOSING;
            case CLOSED -> Subscription.State.CLOSED;
            case ABORTED -> Subscription.State.FAILED;
        };
    }

    @Override
    public String topic() {
        return config.topic();
    }

    @Override
    public String group() {
        return config.group();
    }

    @Override
    public void close(Duration timeout) {
        try {
            closeAsync(timeout).toCompletableFuture().get(timeout.toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("closing the subscription to {} for group {} did not finish cleanly: {}", topic(), group(),
                    Futures.unwrap(e).toString());
        }
    }

    @Override
    public void close() {
        close(config.closeTimeout());
    }

    @Override
    public CompletionStage<Void> closeAsync(Duration timeout) {
        if (!state.compareAndSet(State.RUNNING, State.CLOSING)) {
            return closed;
        }
        flow.hold();
        // a parked work cannot finish by itself, nor can the later messages of its key waiting for it
        List<Work> unfinished = inFlight.values().stream().flatMap(Set::stream).toList();
        Set<String> parkedKeys = unfinished.stream().filter(Work::isParked).map(w -> w.record().key())
                .filter(Objects::nonNull).collect(Collectors.toSet());
        boolean perKey = config.ordering() == Ordering.PER_KEY;
        CompletableFuture<?>[] pending = unfinished.stream()
                .filter(w -> !w.isParked() && !(perKey && parkedKeys.contains(w.record().key())))
                .map(Work::finished).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(pending)
                .completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(v -> {
                    if (state.compareAndSet(State.CLOSING, State.CLOSED)) { // else crashed meanwhile
                        stopTicking();
                        inFlight.values().forEach(works -> works.forEach(w -> drop(w, true)));
                    }
                    return consumer.close();
                })
                .whenComplete((v, e) -> {
                    shutdownPools();
                    if (e != null) {
                        LOG.warn("broker consumer of {} for group {} closed with an error: {}", topic(), group(),
                                Futures.unwrap(e).toString());
                    }
                    closed.complete(null);
                });
        return closed;
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** The broker consumer stopped on an error: the subscription fails as a crash would, keeping the cause. */
    @Override
    public void failed(Throwable cause) {
        State now = state.get();
        if (now == State.CLOSED || now == State.ABORTED) {
            return;
        }
        failure = cause;
        LOG.error("the broker consumer of {} for group {} stopped on an error ({}): the subscription FAILED, "
                + "acknowledges nothing more, and the group gets what it had not acknowledged again", topic(), group(),
                String.valueOf(cause));
        crash();
    }

    @Override
    public CompletionStage<Void> crash() {
        State previous;
        do {
            previous = state.get();
            if (previous == State.ABORTED || previous == State.CLOSED) {
                return closed;
            }
        } while (!state.compareAndSet(previous, State.ABORTED));
        flow.hold();
        stopTicking();
        inFlight.values().forEach(works -> works.forEach(w -> drop(w, false)));
        Futures.call(consumer::close).whenComplete((v, e) -> {
            shutdownPools();
            if (e != null) {
                LOG.warn("broker consumer of crashed subscription to {} for group {} closed with an error: {}", topic(),
                        group(), Futures.unwrap(e).toString());
            }
            closed.complete(null);
        });
        return closed;
    }

    private void shutdownPools() {
        handlerPool.shutdown();
        if (storePool != null) {
            storePool.shutdown();
        }
    }

    @Override
    public String toString() {
        return "Subscription{topic=" + topic() + ", group=" + group() + ", state=" + state.get() + ", lanes="
                + lanes.laneCount() + "}";
    }
}
