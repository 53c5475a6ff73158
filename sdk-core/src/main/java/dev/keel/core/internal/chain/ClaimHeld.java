package dev.keel.core.internal.chain;

/** Whether a message still holds its idempotency claim, asked by a retry step before each next attempt. */
@FunctionalInterface
public interface ClaimHeld {

    /** For a subscription without claims: always held. */
    ClaimHeld ALWAYS = work -> true;

    boolean test(Work work);
}
