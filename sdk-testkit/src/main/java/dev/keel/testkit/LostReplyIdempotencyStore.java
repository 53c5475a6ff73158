package dev.keel.testkit;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.spi.support.ForwardingIdempotencyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link IdempotencyStore} decorator for tests that loses the reply of a claim after the store
 * ran it: an armed {@link #claim}, {@link #claimAll}, {@link #claimRedriven} or {@link #claimAllRedriven}
 * goes to the delegate (which records the claims), then throws {@link StoreUnavailableException} instead of
 * returning the answer. This is what a reply timeout, a failover or a connection reset looks like to the caller
 * after Redis ran the claim. A caller that retries with the same tokens then finds the leases it took (CLAIMED);
 * one that retries with new tokens finds them BUSY until they expire.
 *
 * <p>Nothing is lost until {@link #loseNextClaimReplies(int)} arms it; every other call passes through to the
 * delegate as it is, the dead-letter state ({@link #markDead}) and {@link #forgetAll} too. Thread-safe.
 * {@link #close()} closes the delegate.
 */
public final class LostReplyIdempotencyStore extends ForwardingIdempotencyStore {

    private final AtomicInteger armed = new AtomicInteger();
    private final AtomicLong lostReplies = new AtomicLong();

    public LostReplyIdempotencyStore(IdempotencyStore delegate) {
        super(delegate);
    }

    /**
     * The next {@code count} claim calls (of a plain or a re-driven claim, one batch counting once)
     * run on the delegate and then fail with {@link StoreUnavailableException}. Replaces an earlier setting.
     */
    public LostReplyIdempotencyStore loseNextClaimReplies(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        armed.set(count);
        return this;
    }

    /** How many claim replies were lost so far: calls that ran on the delegate and then failed. */
    public long lostReplies() {
        return lostReplies.get();
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        ClaimResult result = super.claim(namespace, id, token, lease);
        loseReplyIfArmed("claim");
        return result;
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = super.claimAll(namespace, claims, lease);
        loseReplyIfArmed("claimAll of " + claims.size() + " ids");
        return results;
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        ClaimResult result = super.claimRedriven(namespace, id, token, lease);
        loseReplyIfArmed("re-driven claim");
        return result;
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = super.claimAllRedriven(namespace, claims, lease);
        loseReplyIfArmed("claimAllRedriven of " + claims.size() + " ids");
        return results;
    }

    private void loseReplyIfArmed(String operation) {
        if (armed.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            lostReplies.incrementAndGet();
            throw new StoreUnavailableException("the reply to a " + operation + " was lost after the store ran it "
                    + "(injected fault)", null);
        }
    }

    @Override
    public String toString() {
        return "LostReplyIdempotencyStore{delegate=" + delegate() + ", armed=" + armed.get() + "}";
    }
}
