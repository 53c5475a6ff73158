package dev.keel.dedup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a consumer group records which message ids are being processed (a lease with an owner
 * token) and which are done (kept for a retention period). An id is in one of three states:
 * absent, processing (owner token, lease TTL) or done (retention TTL), and, on stores that
 * override {@link #markDead}, dead (dead-lettered, retention TTL).
 *
 * <p>The caller chooses the owner token of a claim, and presents the same token to complete or
 * release it. A caller that retries a claim (for example after {@link dev.keel.StoreUnavailableException},
 * when the store may have run the claim and only the reply was lost) retries it with the same token,
 * and finds its own lease instead of waiting it out as BUSY.
 *
 * <p>{@code namespace} separates consumer groups and topics ({@code <group>:<topic>}). Every
 * method throws {@link dev.keel.StoreUnavailableException} when the store cannot be reached; the
 * consumer then pauses instead of running handlers unclaimed. Implementations are thread-safe.
 *
 * <p>The batch methods exist because a round trip per message caps throughput: implementations
 * over a network should answer a batch in one round trip, with the same results as one by one.
 */
public interface IdempotencyStore extends AutoCloseable {

    /**
     * Claims {@code id} for the owner {@code token} for {@code lease}: absent → processing by
     * {@code token}, CLAIMED; processing by {@code token} already → lease renewed to {@code lease} from
     * now, CLAIMED; done → DUPLICATE; processing by another token → BUSY. A CLAIMED result carries
     * {@code token}.
     */
    ClaimResult claim(String namespace, String id, String token, Duration lease);

    /**
     * processing by {@code token} → done, kept for {@code retention}: APPLIED. Already done by
     * {@code token} → APPLIED again, unchanged (so a retried batch is not reported lost). Else LOST.
     * A LOST completion leaves an absent id absent. It may leave another owner's state as it is, or mark the id
     * done over it (the Redis store does, on Redis 7.0 and later: the caller's handler has already taken effect,
     * see docs/redis-store.md); either way no later claim of the id answers CLAIMED until it expires.
     */
    LeaseOutcome complete(String namespace, String id, String token, Duration retention);

    /** processing by {@code token} → absent; else LOST. */
    LeaseOutcome release(String namespace, String id, String token);

    /**
     * Claims each id for its token in order, as {@link #claim} would; the results are in the same
     * order. An id listed twice is CLAIMED, then BUSY with another token, or CLAIMED again with the same.
     */
    default List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = new ArrayList<>(claims.size());
        for (Lease claim : claims) {
            results.add(claim(namespace, claim.id(), claim.token(), lease));
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

    /**
     * Releases each lease in order, as {@link #release} would; the results are in the same order. The engine
     * releases the claims of the messages a close or a rebalance gives back in batches through this; a store that
     * can release many ids in one round trip overrides it (the Redis and JDBC stores do). A release that fails does
     * not stop the others: the first failure is thrown once every lease was tried. A store that wraps another
     * delegates this too, so that its delegate's batching is kept.
     */
    default List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        List<LeaseOutcome> results = new ArrayList<>(leases.size());
        RuntimeException failure = null;
        for (Lease lease : leases) {
            try {
                results.add(release(namespace, lease.id(), lease.token()));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /**
     * Checks, without a round trip, that this store can hold the ids of {@code namespace}; the engine calls it
     * when a subscription starts (for each namespace it will use), so that a subscription the store could never
     * serve fails at {@code subscribe} instead of pausing for ever. By default every namespace is accepted.
     *
     * @throws IllegalArgumentException saying why, when the store can never hold that namespace (too long)
     */
    default void checkNamespace(String namespace) {
        // every namespace is accepted
    }

    /**
     * Checks, without a round trip, that this store can hold the message id {@code id}. The engine calls it
     * before claiming: a message whose id can never be stored is not claimed; it fails at once, not retried,
     * and goes to the dead letters with this exception as its cause, so its key and the rest of its partition
     * go on. By default every id is accepted.
     *
     * @throws IllegalArgumentException saying why, when the store can never hold that id (too long)
     */
    default void checkId(String id) {
        // every id is accepted
    }

    /**
     * Checks that the store answers, for health checks: one round trip that changes nothing.
     * By default a {@link #release} of an id nobody holds (answered LOST); stores with a cheaper
     * probe may override it.
     *
     * @throws dev.keel.StoreUnavailableException when the store cannot be reached
     */
    default void ping() {
        release(PING_NAMESPACE, PING_NAMESPACE, PING_NAMESPACE);
    }

    /** The namespace, id and token of the {@link #ping()} probe: no consumer group uses it. */
    String PING_NAMESPACE = "keel-ping";

    /**
     * Forgets the done marks of {@code ids}, so that a replayed message with one of these ids runs
     * again (a replay with {@code reprocess}). An id that is processing (a lease held now) is left
     * as it is; an absent id stays absent. Returns how many marks were forgotten. Stores over a
     * network answer a batch in few round trips.
     *
     * @throws UnsupportedOperationException by default: this store cannot forget ids
     */
    default int forgetAll(String namespace, List<String> ids) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot forget done ids: replay "
                + "with reprocess needs a store that implements forgetAll (the in-memory, Redis and JDBC stores do)");
    }

    /**
     * The dead-lettered state, for re-drives: processing by {@code token} → dead, kept for
     * {@code retention}: APPLIED. Already dead by {@code token} → APPLIED again, unchanged. Else LOST.
     * A dead id answers a plain {@link #claim} DUPLICATE (a redelivery of the original is skipped,
     * acknowledged), but {@link #claimRedriven} may take it again.
     *
     * <p>By default this is {@link #complete}: a store that does not override it cannot tell dead from
     * done, and a re-driven message is then skipped as a duplicate (acknowledged without running). The
     * in-memory, Redis and JDBC stores override it, with {@link #claimRedriven} and {@link #claimAllRedriven}.
     */
    default LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        return complete(namespace, id, token, retention);
    }

    /**
     * Claims {@code id} for a message re-driven from its dead-letter topic (header
     * {@link dev.keel.KeelHeaders#REDRIVEN_AT}): as {@link #claim}, except that a dead id is taken too
     * (dead → processing by {@code token}, CLAIMED). A done id stays DUPLICATE, so a re-drive repeated
     * by mistake applies the message once. By default this is {@link #claim} (see {@link #markDead}).
     */
    default ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return claim(namespace, id, token, lease);
    }

    /** Claims each re-driven id in order, as {@link #claimRedriven} would; the results are in the same order. */
    default List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        List<ClaimResult> results = new ArrayList<>(claims.size());
        for (Lease claim : claims) {
            results.add(claimRedriven(namespace, claim.id(), claim.token(), lease));
        }
        return results;
    }

    @Override
    void close();
}
