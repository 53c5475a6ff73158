package dev.keel.dedup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a consumer group records which message ids are being processed (a lease with an owner
 * token) and which are done (kept for a retention period). An id is in one of three states:
 * absent, processing (owner token, lease TTL) or done (retention TTL).
 *
 * <p>{@code namespace} separates consumer groups and topics ({@code <group>:<topic>}). Every
 * method throws {@link dev.keel.StoreUnavailableException} when the store cannot be reached; the
 * consumer then pauses instead of running handlers unclaimed. Implementations are thread-safe.
 *
 * <p>The batch methods exist because a round trip per message caps throughput: implementations
 * over a network should answer a batch in one round trip, with the same results as one by one.
 */
public interface IdempotencyStore extends AutoCloseable {

    /** absent → processing (CLAIMED, new token); done → DUPLICATE; processing by another → BUSY. */
    ClaimResult claim(String namespace, String id, Duration lease);

    /**
     * processing by {@code token} → done, kept for {@code retention}: APPLIED. Already done by
     * {@code token} → APPLIED again, unchanged (so a retried batch is not reported lost). Else LOST.
     */
    LeaseOutcome complete(String namespace, String id, String token, Duration retention);

    /** processing by {@code token} → absent; else LOST. */
    LeaseOutcome release(String namespace, String id, String token);

    /** Claims each id in order, as {@link #claim} would; the results are in the same order. */
    default List<ClaimResult> claimAll(String namespace, List<String> ids, Duration lease) {
        List<ClaimResult> results = new ArrayList<>(ids.size());
        for (String id : ids) {
            results.add(claim(namespace, id, lease));
        }
        return results;
    }

    /** Completes each lease in order, as {@link #complete} would; the results are in the same order. */
    default List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        List<LeaseOutcome> results = new ArrayList<>(leases.size());
        for (Lease lease : leases) {
            results.add(complete(namespace, lease.id(), lease.token(), retention));
        }
        return results;
    }

    @Override
    void close();
}
