package dev.keel.core.internal.consume;

import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.internal.chain.EngineContext;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.core.internal.util.Futures;
import dev.keel.core.testing.Crashable;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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

    /** Where the subscription is in its life; see {@link #state()} for the application's view. */
    public enum State { RUNNING, CLOSING, CLOSED, ABORTED }

    private final SubscriptionConfig<?> config;
    private final BrokerConsumer consumer;
    private final FlowControl flow;
    private final Claiming claims;
    private final Step chain;
    private final ExecutorService handlerPool;
    private final InFlight inFlight;
    private final LaneRunner runner;
    private final LaneStallWatch laneStalls;
    private final SubscriptionTick tick;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Why the broker consumer stopped on its own, when it did ({@link #failed}). */
    private volatile Throwable failure;
    /** Failed, then closed by the application or replaced by a new subscription of its topic and group. */
    private volatile boolean dismissed;

    /**
     * @param claims      the subscription's idempotency claims ({@link Claiming#NONE} without)
     * @param handlerPool the lanes' threads, shut down when the subscription closed or crashed
     */
    public EngineSubscription(SubscriptionConfig<?> config, BrokerConsumer consumer, FlowControl flow, Claiming claims,
                              Step chain, ExecutorService handlerPool, EngineContext engine) {
        this.config = config;
        this.consumer = consumer;
        this.flow = flow;
        this.claims = claims;
        this.chain = chain;
        this.handlerPool = handlerPool;
        KeyOrderedExecutor lanes = new KeyOrderedExecutor(config.lanes(), handlerPool, engine.clock());
        StallWatch stallWatch = new StallWatch(engine.clock(), config.topic(), config.group(),
                config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE ? config.idempotencyPolicy().lease() : null);
        this.inFlight = new InFlight(flow, claims, config.maxInFlight());
        this.runner = new LaneRunner(lanes, handlerPool, chain, inFlight, config.ordering() == Ordering.PER_KEY,
                config.guarantee() == DeliveryGuarantee.AT_MOST_ONCE, this::isStopped,
                () -> state.get() == State.ABORTED, stallWatch::progressed, config.group());
        this.laneStalls = new LaneStallWatch(lanes, engine.clock(), engine.metrics(), config.topic(), config.group());
        this.tick = new SubscriptionTick(engine.scheduler(), claims, stallWatch, laneStalls, flow::inFlight,
                inFlight::slotsGivenBack, this::isStopped, config.topic() + " for group " + config.group());
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
        if (state.get() != State.RUNNING || records.isEmpty()) {
            return; // not acknowledged: the broker redelivers them to the group
        }
        List<Work> works = inFlight.add(records);
        // what the filter skips (header filter, a copy re-driven for others) is never claimed
        claims.received(works.stream().filter(work -> chain.admits(work.record())).toList());
        runner.submit(works);
    }

    @Override
    public CompletionStage<Void> revoke(Collection<String> partitions) {
        if (state.get() == State.ABORTED) {
            return CompletableFuture.completedFuture(null); // crashed: nothing more will be acknowledged
        }
        List<CompletableFuture<Void>> running = inFlight.giveUp(inFlight.remove(partitions)).running();
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, config.revokeTimeout().toMillis(), TimeUnit.MILLISECONDS);
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

    /**
     * Starts no buffered message from now on: each goes back to the broker unacknowledged, its claim
     * released. The handlers running finish their attempt and, when they succeed, are marked done and
     * acknowledged; a message waiting for a retry, a claim or a dead letter is given up at once. The
     * consumer is closed (committing what was acknowledged) once the running handlers finished, or
     * at {@code timeout}: a handler still running then is left to finish, and is marked done if it
     * returns while the store is open (its claim is no longer renewed: once its lease expired, only if
     * no other consumer claimed the message meanwhile), but it is not acknowledged.
     */
    @Override
    public CompletionStage<Void> closeAsync(Duration timeout) {
        if (!state.compareAndSet(State.RUNNING, State.CLOSING)) {
            dismiss(); // closing a failed subscription: the application is done with it
            return closed;
        }
        long startedAt = System.nanoTime();
        flow.hold();
        InFlight.GivenUp givenUp = inFlight.giveUp(inFlight.all().toList());
        List<CompletableFuture<Void>> running = givenUp.running();
        LOG.info("closing the subscription to {} for group {}: {} handler(s) running, {} buffered message(s) "
                + "returned to the broker unstarted", topic(), group(), running.size(), givenUp.returned());
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(v -> {
                    if (state.compareAndSet(State.CLOSING, State.CLOSED)) { // else crashed meanwhile
                        tick.stop();
                        inFlight.dropQueued(true);
                        warnOfStragglers(running.size(), timeout);
                    }
                    return consumer.close();
                })
                .whenComplete((v, e) -> {
                    handlerPool.shutdown();
                    closeClaimsAfter(running);
                    if (e != null) {
                        LOG.warn("broker consumer of {} for group {} closed with an error: {}", topic(), group(),
                                Futures.unwrap(e).toString());
                    }
                    LOG.info("closed the subscription to {} for group {} in {} ms", topic(), group(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
                    closed.complete(null);
                });
        return closed;
    }

    /**
     * Closes the claims' store calls once the handlers that were running when the close began have finished (at
     * most {@link #STRAGGLER_WAIT}): a handler the close's timeout left running is marked done when it returns, so
     * its redelivery is skipped. Closing them at the timeout dropped that done mark, and a successor ran the message
     * again once its lease expired.
     */
    private void closeClaimsAfter(List<CompletableFuture<Void>> running) {
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, STRAGGLER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> claims.close());
    }

    /** Names the handlers that the close's timeout left running: their messages are not acknowledged. */
    private void warnOfStragglers(int runningAtStart, Duration timeout) {
        List<String> stragglers = inFlight.all().filter(w -> !w.finished().isDone() && !w.isParked())
                .map(w -> w.record().id()).toList();
        if (!stragglers.isEmpty()) {
            LOG.warn("the close timeout ({}) of the subscription to {} for group {} expired with {} of {} handler(s) "
                    + "still running (message ids {}): they are not acknowledged, so the broker delivers them again; "
                    + "under EFFECTIVELY_ONCE one that returns while the store is open is marked done and its "
                    + "redelivery skipped (its lease is no longer renewed: after it expired, only if no other "
                    + "consumer claimed the message meanwhile), else it runs again. Give closeTimeout more than "
                    + "your slowest handler takes", timeout, topic(), group(), stragglers.size(), runningAtStart,
                    stragglers.size() > 10 ? stragglers.subList(0, 10) + "..." : stragglers);
        }
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
        claims.close();
    }

    @Override
    public String toString() {
        return "Subscription{topic=" + topic() + ", group=" + group() + ", state=" + state.get() + ", lanes="
                + runner.laneCount() + "}";
    }
}
