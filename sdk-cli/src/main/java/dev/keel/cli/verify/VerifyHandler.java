package dev.keel.cli.verify;

import dev.keel.Delivery;
import dev.keel.MessageHandler;

/**
 * verify's application: parses the payload, lets the crash injector decide whether this consumer
 * crashes now, fails poison messages every time, and otherwise applies the message's effect.
 */
final class VerifyHandler implements MessageHandler<String> {

    private final int generation;
    private final CrashInjector crashes;
    private final EffectLedger ledger;

    VerifyHandler(int generation, CrashInjector crashes, EffectLedger ledger) {
        this.generation = generation;
        this.crashes = crashes;
        this.ledger = ledger;
    }

    @Override
    public void handle(Delivery<String> delivery) {
        PublishPlan.Planned p = PublishPlan.Planned.parse(delivery.payload());
        crashes.beforeHandling(generation);
        if (p.poison()) {
            throw new PoisonMessageException(delivery.id());
        }
        crashes.beforeEffect(generation, delivery.id());
        ledger.apply(delivery.id(), p.key(), p.seq());
    }
}
