package dev.keel.core.internal.chain;

import dev.keel.spi.InboundRecord;
import java.util.concurrent.CompletionStage;

/**
 * One link of a subscription's handling chain: middleware that wraps the next step. The order of
 * the steps is written in one place, {@code dev.keel.core.internal.consume.Chains}. A failed stage
 * means the message failed; an {@link Outcome} means it may be acknowledged, except
 * {@link Outcome#DROPPED}.
 */
@FunctionalInterface
public interface Step {
    CompletionStage<Outcome> handle(Work work);

    /**
     * Whether this chain runs {@code record} at all: false for what its {@link FilterStep} acknowledges
     * without running, which is then never claimed in the idempotency store. True by default.
     */
    default boolean admits(InboundRecord record) {
        return true;
    }
}
