package dev.keel.core.internal.chain;

/**
 * Why a retry step made no next attempt, or did not hand its last failure on to the dead-lettering: a renewal of the
 * message's idempotency claim found the id done or held by another consumer (its lease was lost), or no renewal
 * reached the store for half the lease. The next attempt would have run beside that consumer, or after its effect;
 * the claim step asks for the id again instead (DUPLICATE, BUSY or CLAIMED). Carries the last attempt's failure, and
 * whether that attempt was the last one the policy allows (then, the id claimed again, it is dead-lettered without
 * another run).
 */
public final class ClaimEnded extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean lastAttempt;

    public ClaimEnded(Throwable lastFailure, boolean lastAttempt) {
        super("the message's idempotency claim ended between two attempts", lastFailure, false, false);
        this.lastAttempt = lastAttempt;
    }

    /** Whether the failed attempt was the last one the retry policy allows. */
    public boolean lastAttempt() {
        return lastAttempt;
    }
}
