package dev.keel.core.internal.consume;

import dev.keel.core.internal.chain.LogContext;
import dev.keel.core.internal.chain.Outcome;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.util.Futures;
import dev.keel.spi.RecordMappingException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a subscription's messages through its chain in their lanes ({@link KeyOrderedExecutor}):
 * under per-key ordering each message waits for its key's previous one to finish, and each is
 * acknowledged when the chain's outcome says so (before the chain under AT_MOST_ONCE), or released
 * back to the broker ({@link Outcome#RELEASED}, shared consumption), then finished in the
 * {@link InFlight} registry. A record an adapter handed over unmapped ({@code InboundRecord.deferred}) is mapped
 * in its lane, before the chain; one that cannot be mapped fails the subscription.
 */
final class LaneRunner {

    private static final Logger LOG = LoggerFactory.getLogger(LaneRunner.class);

    private final KeyOrderedExecutor lanes;
    private final Step chain;
    private final InFlight inFlight;
    private final boolean perKey;
    private final boolean ackFirst;
    /** The subscription closed or crashed: it starts nothing more. */
    private final BooleanSupplier stopped;
    /** The subscription crashed: it acknowledges nothing more. */
    private final BooleanSupplier aborted;
    private final Runnable progressed;
    /** The subscription's group, for the log context of its messages. */
    private final String group;
    /** Told of a record that cannot be mapped: the subscription fails. */
    private final Consumer<RecordMappingException> unmappable;
    /**
     * @param perKey     whether a key's messages run one at a time, in order
     * @param ackFirst   AT_MOST_ONCE: acknowledged before the chain runs
     * @param progressed told whenever a message finished (the stall watch)
     * @param group      the subscription's group, named in the log context of its messages
     */
    LaneRunner(KeyOrderedExecutor lanes, Step chain, InFlight inFlight, boolean perKey,
               boolean ackFirst, BooleanSupplier stopped, BooleanSupplier aborted, Runnable progressed, String group,
               Consumer<RecordMappingException> unmappable) {
        this.unmappable = unmappable;
        this.lanes = lanes;
        this.chain = chain;
        this.inFlight = inFlight;
        this.perKey = perKey;
        this.ackFirst = ackFirst;
        this.stopped = stopped;
        this.aborted = aborted;
        this.progressed = progressed;
        this.group = group;
    }

    /**
     * Queues {@code works}, in arrival order, each behind its key's previous unfinished message: the lanes hold a
     * key until its message finished, though the message gives its lane back once its handler succeeded. A message
     * takes a lane only once {@code readyWhen} of it completed (its claim's answer; null: at once), its key held
     * meanwhile.
     */
    void submit(List<Work> works, Function<Work, CompletionStage<?>> readyWhen) {
        List<KeyOrderedExecutor.Task> tasks = new ArrayList<>(works.size());
        for (Work work : works) {
            String key = perKey ? work.record().key() : null;
            tasks.add(new KeyOrderedExecutor.Task(key, () -> run(work), key == null ? null : work.finished(),
                    readyWhen.apply(work)));
        }
        BitSet behind = lanes.executeAll(tasks);
        for (int i = behind.nextSetBit(0); i >= 0; i = behind.nextSetBit(i + 1)) {
            mapNow(works.get(i));
        }
    }

    /**
     * Maps a deferred record now, on the receiving thread, when it will wait behind its key's previous message: an
     * adapter's unmapped record may hold memory of the fetch it came with (Kafka: the response's buffer behind its
     * headers), and a key held back by a retry could keep a record of many fetches waiting. A record that cannot be
     * mapped fails when its lane reads it, as any other.
     */
    private static void mapNow(Work work) {
        try {
            work.record().map();
        } catch (RecordMappingException e) {
            // its lane meets the same failure (kept by the record) and fails the subscription
        }
    }

    /** How many keys the lanes hold now: with a message queued, running, or not finished yet. */
    int keysHeld() {
        return lanes.trackedKeys();
    }

    /**
     * Runs one work in its lane. The lane is held until the work no longer needs it: until its
     * handler succeeded (marking done and acknowledging then go on while the lane runs the next
     * message, of another key), or until it finished otherwise (retries and dead-lettering keep the
     * lane waiting). Its key stays held until it finished, so a key never has more than one message
     * between its side effect and being marked done.
     */
    private CompletionStage<Void> run(Work work) {
        if (!work.start()) {
            return CompletableFuture.completedFuture(null);
        }
        if (stopped.getAsBoolean()) {
            finish(work);
            return CompletableFuture.completedFuture(null);
        }
        try {
            work.record().map(); // an adapter's deferred mapping runs here, in the lane
        } catch (RecordMappingException e) {
            unmappable.accept(e); // the subscription fails first: nothing after it is acknowledged or started
            finish(work);
            return CompletableFuture.completedFuture(null);
        }
        work.parked().thenRun(() -> inFlight.parked(work));
        if (ackFirst) {
            ack(work);
        }
        Futures.call(() -> chain.handle(work)).whenComplete((outcome, error) -> {
            if (error != null) {
                if (stopped.getAsBoolean()) { // crashed or closed: its pools refuse work; the broker redelivers it
                    LOG.debug("message {} from {} stopped with its subscription: {}", work.record().id(),
                            work.record().topic(), Futures.unwrap(error).toString());
                } else {
                    LogContext.run(work, group, () ->
                            LOG.error("message {} from {} left the handling chain with an error and stays unacknowledged: "
                                    + "{}", work.record().id(), work.record().topic(), Futures.unwrap(error).toString()));
                }
                finish(work);
                return;
            }
            if (outcome == Outcome.RELEASED) {
                release(work);
            } else if (outcome != Outcome.DROPPED && !ackFirst) {
                ack(work);
            }
            finish(work);
        });
        return work.laneFree();
    }

    private void ack(Work work) {
        if (aborted.getAsBoolean()) {
            return;
        }
        try {
            work.record().ack();
        } catch (RuntimeException e) {
            LogContext.run(work, group, () ->
                    LOG.warn("acknowledging message {} failed; the broker will redeliver it: {}", work.record().id(),
                            e.toString()));
        }
    }

    /** Hands the record back to the broker for another delivery (shared consumption). */
    private void release(Work work) {
        if (aborted.getAsBoolean()) {
            return;
        }
        try {
            work.record().release();
        } catch (RuntimeException e) {
            LOG.warn("handing message {} back to the broker failed; it is delivered again once its lock expires: {}",
                    work.record().id(), e.toString());
        }
    }

    private void finish(Work work) {
        inFlight.finished(work);
        progressed.run();
    }

    int laneCount() {
        return lanes.laneCount();
    }
}
