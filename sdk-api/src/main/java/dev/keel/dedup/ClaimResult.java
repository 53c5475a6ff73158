package dev.keel.dedup;

import java.util.Objects;

/**
 * The answer to a claim: {@link Status#CLAIMED} with the owner token the claim was made with, which
 * the caller presents to complete or release; {@link Status#DUPLICATE} when the id is already done;
 * {@link Status#BUSY} when another owner (another token) holds an unexpired lease on it.
 */
public record ClaimResult(Status status, String token) {

    public enum Status { CLAIMED, DUPLICATE, BUSY }

    private static final ClaimResult DUPLICATE = new ClaimResult(Status.DUPLICATE, null);
    private static final ClaimResult BUSY = new ClaimResult(Status.BUSY, null);

    public ClaimResult {
        Objects.requireNonNull(status, "status");
        if ((status == Status.CLAIMED) != (token != null)) {
            throw new IllegalArgumentException("a token comes with CLAIMED and only with it");
        }
    }

    public static ClaimResult claimed(String token) {
        return new ClaimResult(Status.CLAIMED, Objects.requireNonNull(token, "token"));
    }

    public static ClaimResult duplicate() {
        return DUPLICATE;
    }

    public static ClaimResult busy() {
        return BUSY;
    }

    public boolean isClaimed() {
        return status == Status.CLAIMED;
    }
}
