package dev.keel.dedup.redis;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test decorator over a real store that remembers how many CLAIMED answers each id got and how
 * many calls failed with {@link StoreUnavailableException} or {@link RedisRefusedException}, so a handler can
 * check it runs under a claim.
 */
final class ClaimRecordingStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final Map<String, AtomicInteger> claims = new ConcurrentHashMap<>();
    private final AtomicInteger claimed = new AtomicInteger();
    private final AtomicLong unavailable = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    ClaimRecordingStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    int claimsOf(String id) {
        AtomicInteger n = claims.get(id);
        return n == null ? 0 : n.get();
    }

    /** CLAIMED answers handed out so far. */
    int claimed() {
        return claimed.get();
    }

    /** Calls that failed with StoreUnavailableException so far. */
    long unavailableCalls() {
        return unavailable.get();
    }

    /** Calls that failed with RedisRefusedException so far. */
    long refusedCalls() {
        return refused.get();
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return record(id, recordingFailures(() -> delegate.claim(namespace, id, token, lease)));
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> toClaim, Duration lease) {
        List<ClaimResult> results = recordingFailures(() -> delegate.claimAll(namespace, toClaim, lease));
        for (int i = 0; i < toClaim.size(); i++) {
            record(toClaim.get(i).id(), results.get(i));
        }
        return results;
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return recordingFailures(() -> delegate.complete(namespace, id, token, retention));
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        return recordingFailures(() -> delegate.completeAll(namespace, leases, retention));
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        return recordingFailures(() -> delegate.release(namespace, id, token));
    }

    @Override
    public void close() {
        delegate.close();
    }

    private ClaimResult record(String id, ClaimResult result) {
        if (result.isClaimed()) {
            // counted before the result reaches the engine, so a handler under this claim always sees it
            claims.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            claimed.incrementAndGet();
        }
        return result;
    }

    private <T> T recordingFailures(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (StoreUnavailableException e) {
            unavailable.incrementAndGet();
            throw e;
        } catch (RedisRefusedException e) {
            refused.incrementAndGet();
            throw e;
        }
    }
}
