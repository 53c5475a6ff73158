package dev.keel.testkit.contract;

import dev.keel.Delivery;
import dev.keel.MessageHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler that fails one message id while it is broken ({@link #fix()} mends it), counts how
 * often it ran each id (failed attempts included) and applies the effect of each delivery it
 * handled. Thread-safe.
 */
final class FixableHandler implements MessageHandler<String> {

    /** The effects of the deliveries it handled. */
    final Effects effects = new Effects();
    private final String failing;
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private volatile boolean broken;

    /** Fails {@code failing} while broken: from the start when {@code broken}. */
    FixableHandler(String failing, boolean broken) {
        this.failing = failing;
        this.broken = broken;
    }

    @Override
    public void handle(Delivery<String> delivery) {
        runs.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
        if (broken && delivery.id().equals(failing)) {
            throw new IllegalStateException("the flag is broken");
        }
        effects.apply(delivery);
    }

    /** How often it ran {@code id}: every attempt, failed or not. */
    int runs(String id) {
        AtomicInteger count = runs.get(id);
        return count == null ? 0 : count.get();
    }

    /** From now on it handles the failing id too. */
    void fix() {
        broken = false;
    }
}
