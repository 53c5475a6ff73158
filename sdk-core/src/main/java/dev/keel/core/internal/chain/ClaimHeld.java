package dev.keel.core.internal.chain;

/**
 * Whether a message may go on under its idempotency claim (not found done or taken elsewhere, renewed within half the
 * lease), asked by a retry step before each next attempt and after its last one.
 */
@FunctionalInterface
public interface ClaimHeld {

    /** For a subscription without claims: always held. */
    ClaimHeld ALWAYS = work -> true;

    boolean test(Work work);
}
