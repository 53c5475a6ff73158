package dev.keel.core.internal.consume;

import dev.keel.core.internal.claims.Claiming;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription's one periodic tick on the engine's scheduler (every store retry interval with
 * idempotency claims, else every second): its claims' tick (BUSY messages claimed again, held
 * claims renewed) and its stall watches. No timer per message.
 */
final class SubscriptionTick {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionTick.class);
    /** The tick of a subscription without idempotency claims: the stall watches only. */
    private static final Duration TICK_WITHOUT_CLAIMS = Duration.ofSeconds(1);

    private final ScheduledExecutorService scheduler;
    private final Claiming claims;
    private final StallWatch stallWatch;
    private final LaneStallWatch laneStalls;
    private final IntSupplier inFlight;
    private final IntSupplier parked;
    private final BooleanSupplier stopped;
    private final BooleanSupplier storeDown;
    private final String name;
    private volatile ScheduledFuture<?> ticker;

    /**
     * {@code name}: the subscription, for logs ("topic for group"); {@code storeDown}: whether it is paused because
     * its store is unreachable (the stall watches then blame no handler).
     */
    SubscriptionTick(ScheduledExecutorService scheduler, Claiming claims, StallWatch stallWatch,
                     LaneStallWatch laneStalls, IntSupplier inFlight, IntSupplier parked, BooleanSupplier stopped,
                     BooleanSupplier storeDown, String name) {
        this.scheduler = scheduler;
        this.claims = claims;
        this.stallWatch = stallWatch;
        this.laneStalls = laneStalls;
        this.inFlight = inFlight;
        this.parked = parked;
        this.stopped = stopped;
        this.storeDown = storeDown;
        this.name = name;
    }

    /** Starts ticking; called once, before the consumer starts delivering. */
    void start() {
        long period = claims.tickInterval().orElse(TICK_WITHOUT_CLAIMS).toMillis();
        try {
            // the first at once: a store unreachable from the start pauses the subscription before its first message
            ticker = scheduler.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("the scheduler refused the tick of the subscription to {}: claims will not be renewed and "
                    + "BUSY messages not claimed again (is the scheduler given to Keel shut down?)", name);
        }
    }

    /** Ticks no more, and ends every wait for a claim. */
    void stop() {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
        claims.stop();
    }

    private void tick() {
        try {
            if (stopped.getAsBoolean()) {
                return;
            }
            claims.tick();
            Claiming.ClaimCounts counts = claims.counts();
            boolean paused = storeDown.getAsBoolean();
            stallWatch.check(new StallWatch.Counts(inFlight.getAsInt(), counts.busyWaiting(),
                    counts.busyLongerThanLease(), counts.held(), parked.getAsInt()), paused);
            laneStalls.check(paused);
        } catch (Throwable e) { // a store's sneaky throw too: a periodic task that throws is never run again
            LOG.warn("tick of the subscription to {} failed: {}", name, e.toString());
        }
    }
}
