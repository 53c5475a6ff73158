package dev.keel.core.internal.chain;

/**
 * Why a retry step made no next attempt: between two attempts, a renewal of the message's idempotency claim found the
 * id done or held by another consumer (its lease was lost). The next attempt would have run beside that consumer, or
 * after its effect; the claim step asks for the id again instead (DUPLICATE, BUSY or CLAIMED). Carries the last
 * attempt's failure.
 */
public final class ClaimEnded extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ClaimEnded(Throwable lastFailure) {
        super("the message's idempotency claim ended between two attempts", lastFailure, false, false);
    }
}
