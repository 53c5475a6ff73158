package dev.keel.rabbit.internal;

import dev.keel.AccessRefusedException;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Whether one member can consume all its partition queues: an outage begins when a partition queue could not be
 * reopened (its connection lost and not back, or the queue missing) and ends once every such queue is open
 * again. Each start and end is reported once, however many partition queues fail and however often they are
 * retried. An outage that retrying cannot end (RabbitMQ refused the login or the consume) is reported once as
 * refused, and no partition queue is tried again. Thread-safe; the callbacks run outside its lock.
 */
final class ConsumeOutage {

    private final Consumer<Exception> started;
    private final Runnable ended;
    private final Consumer<AccessRefusedException> refused;
    private final BitSet failing = new BitSet();
    private final AtomicBoolean refusedOnce = new AtomicBoolean();

    /**
     * @param started called with the first cause when the outage begins
     * @param ended   called when the last failing partition queue is open again
     * @param refused called with the first refusal; the member then ends
     */
    ConsumeOutage(Consumer<Exception> started, Runnable ended, Consumer<AccessRefusedException> refused) {
        this.started = started;
        this.ended = ended;
        this.refused = refused;
    }

    /** A partition queue could not be opened because RabbitMQ refused it: true when that was the first refusal. */
    boolean refused(AccessRefusedException cause) {
        boolean first = refusedOnce.compareAndSet(false, true);
        if (first) {
            refused.accept(cause);
        }
        return first;
    }

    /** An attempt to open partition queue {@code lane} failed; true when that began the outage. */
    boolean failed(int lane, Exception cause) {
        boolean first;
        synchronized (failing) {
            first = failing.isEmpty();
            failing.set(lane);
        }
        if (first) {
            started.accept(cause);
        }
        return first;
    }

    /** Partition queue {@code lane} is open; true when that ended the outage. */
    boolean opened(int lane) {
        boolean last;
        synchronized (failing) {
            last = failing.get(lane) && failing.cardinality() == 1;
            failing.clear(lane);
        }
        if (last) {
            ended.run();
        }
        return last;
    }
}
