package dev.keel.cli.verify;

import dev.keel.Delivery;
import dev.keel.MessageHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * verify's application: parses the payload, lets the consumer generations decide whether this
 * consumer crashes now (before the effect, or right after it: in the crash window), fails poison
 * messages every time, and otherwise applies the message's effect.
 */
final class VerifyHandler implements MessageHandler<String> {

    private final int generation;
    private final ConsumerGenerations generations;
    private final EffectLedger ledger;
    private final LongAdder handled;

    /**
     * @param handled counts every handler call: time-based faults start after a number of them
     */
    VerifyHandler(int generation, ConsumerGenerations generations, EffectLedger ledger, LongAdder handled) {
        this.generation = generation;
        this.generations = generations;
        this.ledger = ledger;
        this.handled = handled;
    }

    @Override
    public void handle(Delivery<String> delivery) {
        PublishPlan.Planned p = PublishPlan.Planned.parse(delivery.payload());
        handled.increment();
        generations.beforeHandling(generation, delivery.id());
        if (p.poison()) {
            throw new PoisonMessageException(delivery.id());
        }
        long work = generations.handlerDelayMillis();
        if (work > 0) {
            pretendToWork(work);
        }
        generations.beforeEffect(generation, delivery.id(), p.key());
        ledger.apply(delivery.id(), p.key(), p.seq(), "consumer " + generation + ", partition "
                + delivery.partition() + ", attempt " + delivery.attempt());
        generations.afterEffect(generation, delivery.id());
    }

    /** The handler's own work, simulated (graceful-stop makes handlers slow): the workload, not a wait for a result. */
    private static void pretendToWork(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handling", e);
        }
    }
}
