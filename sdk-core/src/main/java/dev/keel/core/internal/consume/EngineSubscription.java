package dev.keel.core.internal.consume;

import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.internal.chain.EngineContext;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import dev.keel.core.testing.Crashable;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running subscription's life: it takes records from the broker consumer (they are registered
 * {@link InFlight}, their claims requested, and run in their lanes by the {@link LaneRunner}), gives
 * up what a rebalance revokes, and closes gracefully (nothing buffered starts, the running handlers
 * finish) or crashes (nothing more is acknowledged). Its periodic work is its {@link SubscriptionTick}.
 */
public final class EngineSubscription implements Subscription, DeliverySink, Crashable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineSubscription.class);
    /** How long a closed subscription keeps its store calls open for handlers its close's timeout left running. */
    static final Duration STRAGGLER_WAIT = Duration.ofMinutes(10);
    /**
     * The longest a graceful close waits, once its consumer closed, for the releases of the claims of the messages it
     * gave back (within its timeout): a store that answers within its own timeouts is done long before.
     */
    static final Duration RELEASE_WAIT = Duration.ofSeconds(5);

    /** Where the subscription is in its life; see {@link #state()} for the application's view. */
    public enum State { RUNNING, CLOSING, CLOSED, ABORTED }

    private final SubscriptionConfig<?> config;
    private final BrokerConsumer consumer;
    private final FlowControl flow;
    private final Claiming claims;
    private final Step chain;
    private final ExecutorService handlerPool;
    private final HandlerThreads handlerThreads;
    private final InFlight inFlight;
    private final LaneRunner runner;
    private final LaneStallWatch laneStalls;
    private final SubscriptionTick tick;
    private final Stragglers stragglers;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /**
     * The messages whose handlers are still running on partitions a rebalance took away (they outlived the revoke
     * timeout): this member's until they return, so a close waits for them as for any running one, their claims renewed
     * meanwhile, and names those its timeout leaves running.
     */
    private final Set<Work> revokedRunning = ConcurrentHashMap.newKeySet();
    /** Why the broker consumer stopped on its own, when it did ({@link #failed}). */
    private volatile Throwable failure;
    /** Why the broker consumer cannot reach the broker now ({@link #disconnected}); null while it can. */
    private volatile Throwable disconnected;
    /** Failed, then closed by the application or replaced by a new subscription of its topic and group. */
    private volatile boolean dismissed;
    /**
     * Held while a batch of messages is taken ({@link #accept}), while a close begins (its state and the messages it
     * gives up), while a revoke gives up its partitions' messages and lists their running handlers, and while a closing
     * share-group subscription takes a message at its last delivery or ends its closing.
     */
    private final Object closingLock = new Object();

    /**
     * @param claims      the subscription's idempotency claims ({@link Claiming#NONE} without)
     * @param handlerPool    the lanes' threads, shut down when the subscription closed or crashed
     * @param handlerThreads the threads of {@code handlerPool}, to tell a close by one of its own handlers
     */
    public EngineSubscription(SubscriptionConfig<?> config, BrokerConsumer consumer, FlowControl flow, Claiming claims,
                              Step chain, ExecutorService handlerPool, HandlerThreads handlerThreads,
                              EngineContext engine) {
        this.config = config;
        this.consumer = consumer;
        this.flow = flow;
        this.claims = claims;
        this.chain = chain;
        this.handlerPool = handlerPool;
        this.handlerThreads = handlerThreads;
        KeyOrderedExecutor lanes = new KeyOrderedExecutor(config.lanes(), handlerPool, engine.clock());
        StallWatch stallWatch = new StallWatch(engine.clock(), config.topic(), config.group(),
                config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE ? config.idempotencyPolicy().lease() : null);
        this.inFlight = new InFlight(flow, claims, config.maxInFlight(), config.maxInFlightBytes());
        this.runner = new LaneRunner(lanes, chain, inFlight, config.ordering() == Ordering.PER_KEY,
                config.guarantee() == DeliveryGuarantee.AT_MOST_ONCE, this::isStopped,
                () -> state.get() == State.ABORTED, stallWatch::progressed, config.group(), this::unmappable);
        this.laneStalls = new LaneStallWatch(lanes, engine.clock(), engine.metrics(), config.topic(), config.group());
        this.tick = new SubscriptionTick(engine.scheduler(), claims, stallWatch, laneStalls, flow::inFlight,
                inFlight::slotsGivenBack, this::isStopped, flow::isStoreDown,
                config.topic() + " for group " + config.group());
        this.stragglers = new Stragglers(LOG, config.topic(), config.group());
    }

    /** Starts the periodic tick; called once, before the consumer starts delivering. */
    public void start() {
        tick.start();
    }

    public boolean isStopped() {
        return state.get() == State.ABORTED || state.get() == State.CLOSED;
    }

    /**
     * Whether the application is done with this failed subscription: it closed it, or subscribed again to
     * its topic and group ({@link #dismiss}). A dismissed subscription is no longer one of Keel's.
     */
    public boolean isDismissed() {
        return dismissed;
    }

    /** Dismisses this subscription if it failed (see {@link #isDismissed}); else does nothing. */
    public void dismiss() {
        if (state.get() == State.ABORTED) {
            dismissed = true;
        }
    }

    /** Completes once the subscription stopped: closed, or failed and its consumer closed. */
    public CompletionStage<Void> stopped() {
        return closed;
    }

    /** The broker consumer's backlog, or a negative number when it cannot tell. */
    public long brokerBacklog() {
        return consumer.backlog();
    }

    public Duration closeTimeoutOf() {
        return config.closeTimeout();
    }

    public int inFlightCount() {
        return flow.inFlight();
    }

    /** The payload bytes of the messages in flight, at most {@link Integer#MAX_VALUE}. */
    public int inFlightBytesCount() {
        return (int) Math.min(Integer.MAX_VALUE, flow.inFlightBytes());
    }

    /** Messages received and not finished yet (parked ones included). */
    public int unacknowledgedCount() {
        return inFlight.unacknowledged();
    }

    public int busyWaitingCount() {
        return claims.counts().busyWaiting();
    }

    public int stalledLaneCount() {
        return laneStalls.stalledLanes();
    }

    @Override
    public void accept(List<InboundRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        // under the closing lock: a close gives up what was taken before it began, and nothing is taken after it (but
        // a share group's messages at their last delivery); a close in the middle of a take gave up messages whose
        // claims were being requested, which then went unreleased (a successor waited a whole lease for them)
        synchronized (closingLock) {
            if (state.get() == State.CLOSING && config.shareGroup()) {
                acceptWhileClosing(records);
                return;
            }
            if (state.get() != State.RUNNING) {
                return; // not acknowledged: the broker redelivers them to the group
            }
            take(records);
        }
    }

    /**
     * A closing share-group subscription still runs the records at the broker's last delivery that reach it (a
     * fetch that was under way when the close began), and its close waits for them; the others are left to the
     * consumer, which hands them back.
     */
    private void acceptWhileClosing(List<InboundRecord> records) {
        List<InboundRecord> last = records.stream().filter(r -> !r.releasable()).toList();
        synchronized (closingLock) {
            if (!last.isEmpty() && state.get() == State.CLOSING) {
                take(last);
            }
        }
    }

    private void take(List<InboundRecord> records) {
        List<Work> works = inFlight.add(records);
        if (claims != Claiming.NONE) {
            // what the filter skips (header filter, a copy re-driven for others) is never claimed; reading the
            // headers maps a deferred record here, on the receiving thread, since its claim needs its id now
            claims.received(works.stream().filter(work -> chain.admits(work.record())).toList());
        }
        runner.submit(works, claims::answered);
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        if (state.get() == State.ABORTED) {
            return CompletableFuture.completedFuture(null); // crashed: nothing more will be acknowledged
        }
        List<CompletableFuture<Void>> running;
        // under the closing lock, as a close's beginning: a close that began between taking the partitions' messages
        // out of the registry and listing their running handlers here saw them in neither, returned at once and
        // stopped their claims' renewals (CloseDuringRevokeTest). A close's giveUp runs under this lock too
        synchronized (closingLock) {
            List<Work> removed = inFlight.remove(partitions);
            running = inFlight.giveUp(removed).running();
            Set<CompletableFuture<Void>> stillRunning = Collections.newSetFromMap(new IdentityHashMap<>());
            stillRunning.addAll(running);
            for (Work work : removed) {
                if (stillRunning.contains(work.finished())) {
                    revokedRunning.add(work);
                    work.finished().whenComplete((v, e) -> revokedRunning.remove(work));
                }
            }
        }
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, config.revokeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void disconnected(Throwable cause) {
        disconnected = cause;
    }

    @Override
    public void reconnected() {
        disconnected = null;
    }

    @Override
    public Subscription.State state() {
        return switch (state.get()) {
            case RUNNING -> disconnected != null ? Subscription.State.RECONNECTING
                    : flow.isStoreDown() ? Subscription.State.PAUSED : Subscription.State.RUNNING;
            case CLOSING -> Subscription.State.CLOSING;
            case CLOSED -> closed.isDone() ? Subscription.State.CLOSED : Subscription.State.CLOSING; // consumer leaving
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

    /** Whether the calling thread is one of this subscription's handler threads (it may be running a handler). */
    public boolean isOwnHandlerThread() {
        return handlerThreads.isCurrent();
    }

    /**
     * Closes as {@link #closeAsync} does and waits for it, except when called by one of its own handlers (a stop
     * command): that handler cannot wait for itself, so the close is started and this returns at once; the close
     * ends once the handler returned, its message marked done and acknowledged.
     */
    @Override
    public void close(Duration timeout) {
        if (isOwnHandlerThread()) {
            closeFromOwnHandler(timeout);
            return;
        }
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

    /** The close started by one of this subscription's handlers, which must not wait for it. */
    public void closeFromOwnHandler(Duration timeout) {
        LOG.info("the subscription to {} for group {} is closed by one of its own handlers: close() returns at once "
                + "(the handler cannot wait for itself), and the close ends once that handler returned, its message "
                + "acknowledged", topic(), group());
        closeAsync(timeout);
    }

    /**
     * Starts no buffered message from now on: each goes back to the broker unacknowledged, its claim
     * released. The handlers running finish their attempt and, when they succeed, are marked done and
     * acknowledged (a parked message's attempt too, handled again or dead-lettered); a message waiting for a retry, a
     * claim or a dead letter (a parked one waiting for its next attempt too) is given up at once. The
     * consumer is closed (committing what was acknowledged) once the running handlers finished, or
     * at {@code timeout}: a handler still running then is left to finish, and is marked done if it
     * returns while the store is open (its claim is no longer renewed: once its lease expired, only if
     * no other consumer claimed the message meanwhile), but it is not acknowledged.
     *
     * <p>A share-group subscription's messages at the broker's last delivery ({@link InboundRecord#releasable()}
     * false) are the exception: handed back, the broker would archive them, neither handled nor dead-lettered. They
     * go on as if the subscription kept running (queued ones start, a failure is dead-lettered with its cause), and
     * the close waits for them too, within {@code timeout}; one still unfinished then is named in an ERROR log.
     */
    @Override
    public CompletionStage<Void> closeAsync(Duration timeout) {
        long startedAt = System.nanoTime();
        long lastDeliveries;
        InFlight.GivenUp givenUp;
        synchronized (closingLock) { // no batch of messages is being taken meanwhile (accept)
            if (!state.compareAndSet(State.RUNNING, State.CLOSING)) {
                dismiss(); // closing a failed subscription: the application is done with it
                return closed;
            }
            flow.hold();
            lastDeliveries = inFlight.all().filter(this::atLastSharedDelivery).count();
            givenUp = inFlight.giveUp(inFlight.all().toList(), this::atLastSharedDelivery);
        }
        consumer.stopFetching(); // what a fetch under way brings still comes (settle), nothing more is fetched
        List<CompletableFuture<Void>> running = new ArrayList<>(givenUp.running());
        // a handler on a partition revoked from under it is still this member's: closing without it stopped its
        // claim's renewals, and the partition's new owner ran the message again once the lease ran out
        revokedRunning.forEach(work -> running.add(work.finished()));
        LOG.info("closing the subscription to {} for group {}: {} handler(s) running or kept ({} message(s) at the "
                + "broker's last delivery, run before the close), {} buffered message(s) returned to the broker "
                + "unstarted", topic(), group(), running.size(), lastDeliveries, givenUp.returned());
        drain(running, startedAt + timeout.toNanos())
                .thenCompose(closedNow -> {
                    if (closedNow) { // else crashed meanwhile
                        tick.stop();
                        LastDeliveriesLeft.warn(LOG, topic(), group(), timeout,
                                inFlight.all().filter(this::atLastSharedDelivery).toList());
                        inFlight.dropQueued(true);
                        // the last deliveries left are named above: the broker does not deliver them again
                        stragglers.warn(unfinishedAtClose().stream(), running.size(), timeout);
                    }
                    return consumer.close();
                })
                .handle((v, e) -> {
                    handlerPool.shutdown();
                    if (e != null) {
                        LOG.warn("broker consumer of {} for group {} closed with an error: {}", topic(), group(),
                                Futures.unwrap(e).toString());
                    }
                    // the claims of what it gave back are released before it reports closed: the application may
                    // close the store right after, and a release that found it closed held its id for a whole lease.
                    // The store calls' threads end after that, so the releases still go in batches meanwhile
                    long releaseWait = Math.min(RELEASE_WAIT.toNanos(), remaining(startedAt + timeout.toNanos()));
                    return claims.releasesSettled().toCompletableFuture()
                            .completeOnTimeout(null, releaseWait, TimeUnit.NANOSECONDS);
                })
                .thenCompose(released -> released)
                .whenComplete((v, e) -> {
                    closeClaimsAfter(running);
                    LOG.info("closed the subscription to {} for group {} in {} ms", topic(), group(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
                    closed.complete(null);
                });
        return closed;
    }

    /**
     * Waits (until {@code deadline}, a {@link System#nanoTime()}) for {@code stages} and then for the messages at
     * the broker's last delivery that a closing share-group subscription took meanwhile; once none is left, lets the
     * consumer hand over what its fetches under way brought ({@link dev.keel.spi.BrokerConsumer#settle()}) and
     * waits for that in turn; ends the closing once a settle brought nothing to run: true when this moved the
     * subscription to CLOSED (false when it crashed meanwhile).
     */
    private CompletableFuture<Boolean> drain(List<CompletableFuture<Void>> stages, long deadline) {
        return CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, remaining(deadline), TimeUnit.NANOSECONDS)
                .thenCompose(v -> {
                    CompletableFuture<Boolean> more = drainLate(deadline);
                    if (more != null) {
                        return more;
                    }
                    if (!config.shareGroup() || remaining(deadline) == 0) {
                        return CompletableFuture.completedFuture(endClosing());
                    }
                    return Futures.call(consumer::settle).toCompletableFuture()
                            .handle((settled, error) -> null) // a consumer that cannot settle closes as it is
                            .completeOnTimeout(null, remaining(deadline), TimeUnit.NANOSECONDS)
                            .thenCompose(settled -> {
                                CompletableFuture<Boolean> brought = drainLate(deadline);
                                return brought != null ? brought : CompletableFuture.completedFuture(endClosing());
                            });
                });
    }

    /** Drains the last deliveries taken while closing and not finished yet, if any (and time is left); else null. */
    private CompletableFuture<Boolean> drainLate(long deadline) {
        synchronized (closingLock) {
            List<CompletableFuture<Void>> late = unfinishedLastDeliveries().map(Work::finished).toList();
            return !late.isEmpty() && remaining(deadline) > 0 ? drain(late, deadline) : null;
        }
    }

    private boolean endClosing() {
        synchronized (closingLock) {
            return state.compareAndSet(State.CLOSING, State.CLOSED);
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** A message of a share-group subscription that the broker would not deliver again if it were handed back. */
    private boolean atLastSharedDelivery(Work work) {
        return config.shareGroup() && !work.record().releasable();
    }

    /**
     * What the close leaves unfinished, but the last deliveries: its own messages and those of partitions revoked from
     * under their handlers (RevokedStragglerNamedTest). Under the closing lock: a revoke moves messages from the one to
     * the other.
     */
    private List<Work> unfinishedAtClose() {
        synchronized (closingLock) {
            return Stream.concat(inFlight.all().filter(w -> !atLastSharedDelivery(w)), revokedRunning.stream())
                    .distinct().toList();
        }
    }

    private Stream<Work> unfinishedLastDeliveries() {
        return inFlight.all().filter(w -> atLastSharedDelivery(w) && !w.finished().isDone() && !w.isParked());
    }

    /**
     * Closes the claims' store calls once the handlers that were running when the close began have finished (at
     * most {@link #STRAGGLER_WAIT}): a handler the close's timeout left running is marked done when it returns, so
     * its redelivery is skipped. Closing them at the timeout dropped that done mark, and a successor ran the message
     * again once its lease expired. A claim released after that (answered late) is released on the answering thread.
     */
    private void closeClaimsAfter(List<CompletableFuture<Void>> running) {
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, STRAGGLER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> claims.close());
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * A record its adapter handed over unmapped cannot be mapped (on its lane): the subscription fails as a crash
     * would, with {@code cause}, as it did when the adapter's own thread failed to map it. It is not acknowledged,
     * nor is anything after it; the group gets them again.
     */
    private void unmappable(dev.keel.spi.RecordMappingException cause) {
        State now = state.get();
        if (now == State.CLOSED || now == State.ABORTED) {
            return;
        }
        failure = cause;
        LOG.error("the subscription to {} for group {} FAILED: {}; it acknowledges nothing more, and the group gets "
                + "what it had not acknowledged again (the cause is the subscription's failure(); not logged, since it may "
                + "quote the record's bytes)", topic(), group(), Descriptions.message(cause));
        crash();
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
                Descriptions.of(cause));
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
        tick.stop();
        inFlight.dropQueued(false);
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
        claims.abort();
    }

    @Override
    public String toString() {
        return "Subscription{topic=" + topic() + ", group=" + group() + ", state=" + state.get() + ", lanes="
                + runner.laneCount() + "}";
    }
}
