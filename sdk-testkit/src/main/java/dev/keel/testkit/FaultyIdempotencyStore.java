package dev.keel.testkit;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link IdempotencyStore} decorator for tests: an outage switch ({@link #down()} /
 * {@link #up()}: while down, every call throws {@link StoreUnavailableException} without reaching
 * the delegate), a partial outage ({@link #failCompletions()}: claims and releases work, marking
 * done fails), actions run once before or after the next call of a kind ({@link #beforeNext},
 * {@link #afterNext}: a crash, an outage or a member joining at an exact step) and counters of the
 * calls made, so tests can check that claims are batched. Batch
 * calls go to the delegate's own batch methods, so a network store still answers them in one round
 * trip. Thread-safe. {@link #close()} closes the delegate.
 */
public final class FaultyIdempotencyStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private volatile boolean down;
    private volatile boolean completionsDown;
    private final AtomicLong claims = new AtomicLong();
    private final AtomicLong batchClaims = new AtomicLong();
    private final AtomicLong claimedIds = new AtomicLong();
    private final AtomicLong completes = new AtomicLong();
    private final AtomicLong batchCompletes = new AtomicLong();
    private final AtomicLong releases = new AtomicLong();
    private final AtomicLong rejectedCalls = new AtomicLong();
    private final Set<String> completedIds = ConcurrentHashMap.newKeySet();
    private final Set<String> claimedIdSet = ConcurrentHashMap.newKeySet();
    private final Map<Call, Runnable> before = new ConcurrentHashMap<>();
    private final Map<Call, Runnable> after = new ConcurrentHashMap<>();

    /** The kinds of call {@link #beforeNext} and {@link #afterNext} attach an action to. */
    public enum Call {
        /** {@link #claimAll}: the batched claims of the messages received. */
        CLAIM_ALL,
        /** {@link #completeAll}: the batched done marks of the messages handled. */
        COMPLETE_ALL,
        /** {@link #forgetAll}. */
        FORGET_ALL,
        /** {@link #markDead}. */
        MARK_DEAD
    }

    public FaultyIdempotencyStore(IdempotencyStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Starts an outage: every call fails with {@link StoreUnavailableException} until {@link #up()}. */
    public void down() {
        down = true;
    }

    /**
     * Starts a partial outage, as a slow or half-failed store (a Redis Cluster node down) can cause:
     * claims and releases still reach the delegate, but marking done ({@link #complete} and
     * {@link #completeAll}) throws {@link StoreUnavailableException} until {@link #up()}.
     */
    public void failCompletions() {
        completionsDown = true;
    }

    /** Ends the outage, a partial one ({@link #failCompletions()}) included. */
    public void up() {
        down = false;
        completionsDown = false;
    }

    public boolean isDown() {
        return down;
    }

    /**
     * Runs {@code action} once, in the calling thread, right before the next {@code call} (before
     * the outage switch is looked at, so the action may start an outage that fails that call).
     * Replaces an action attached before and not run yet.
     */
    public void beforeNext(Call call, Runnable action) {
        before.put(Objects.requireNonNull(call, "call"), Objects.requireNonNull(action, "action"));
    }

    /**
     * Runs {@code action} once, in the calling thread, right after the next {@code call} that the
     * delegate answered, before its answer is returned: for example a crash of the subscription
     * between marking an id dead and acknowledging the message. Replaces an action attached before
     * and not run yet.
     */
    public void afterNext(Call call, Runnable action) {
        after.put(Objects.requireNonNull(call, "call"), Objects.requireNonNull(action, "action"));
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        claims.incrementAndGet();
        claimedIds.incrementAndGet();
        claimedIdSet.add(id);
        checkUp("claim");
        return delegate.claim(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> toClaim, Duration lease) {
        batchClaims.incrementAndGet();
        claimedIds.addAndGet(toClaim.size());
        toClaim.forEach(claimed -> claimedIdSet.add(claimed.id()));
        run(before, Call.CLAIM_ALL);
        checkUp("claimAll");
        List<ClaimResult> results = delegate.claimAll(namespace, toClaim, lease);
        run(after, Call.CLAIM_ALL);
        return results;
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        completes.incrementAndGet();
        checkUp("complete");
        checkCompletionsUp("complete");
        LeaseOutcome outcome = delegate.complete(namespace, id, token, retention);
        if (outcome == LeaseOutcome.APPLIED) {
            completedIds.add(id);
        }
        return outcome;
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        batchCompletes.incrementAndGet();
        run(before, Call.COMPLETE_ALL);
        checkUp("completeAll");
        checkCompletionsUp("completeAll");
        List<LeaseOutcome> outcomes = delegate.completeAll(namespace, leases, retention);
        run(after, Call.COMPLETE_ALL);
        for (int i = 0; i < outcomes.size() && i < leases.size(); i++) {
            if (outcomes.get(i) == LeaseOutcome.APPLIED) {
                completedIds.add(leases.get(i).id());
            }
        }
        return outcomes;
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        releases.incrementAndGet();
        checkUp("release");
        return delegate.release(namespace, id, token);
    }

    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        releases.addAndGet(leases.size());
        checkUp("releaseAll");
        return delegate.releaseAll(namespace, leases);
    }

    @Override
    public int forgetAll(String namespace, List<String> ids) {
        run(before, Call.FORGET_ALL);
        checkUp("forgetAll");
        int forgotten = delegate.forgetAll(namespace, ids);
        run(after, Call.FORGET_ALL);
        return forgotten;
    }

    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        run(before, Call.MARK_DEAD);
        checkUp("markDead");
        checkCompletionsUp("markDead");
        LeaseOutcome outcome = delegate.markDead(namespace, id, token, retention);
        run(after, Call.MARK_DEAD);
        return outcome;
    }

    private static void run(Map<Call, Runnable> actions, Call call) {
        Runnable action = actions.remove(call);
        if (action != null) {
            action.run();
        }
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        claims.incrementAndGet();
        claimedIds.incrementAndGet();
        checkUp("claimRedriven");
        return delegate.claimRedriven(namespace, id, token, lease);
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> toClaim, Duration lease) {
        batchClaims.incrementAndGet();
        claimedIds.addAndGet(toClaim.size());
        checkUp("claimAllRedriven");
        return delegate.claimAllRedriven(namespace, toClaim, lease);
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Calls of {@link #claim} (one id each), failed ones included. */
    public long claims() {
        return claims.get();
    }

    /** Calls of {@link #claimAll}, failed ones included. */
    public long batchClaims() {
        return batchClaims.get();
    }

    /** Ids passed to {@link #claim} and {@link #claimAll} together, failed calls included. */
    public long claimedIds() {
        return claimedIds.get();
    }

    /** Calls of {@link #complete}, failed ones included. */
    public long completes() {
        return completes.get();
    }

    /** Calls of {@link #completeAll}, failed ones included. */
    public long batchCompletes() {
        return batchCompletes.get();
    }

    /** Calls of {@link #release}, failed ones included. */
    public long releases() {
        return releases.get();
    }

    /** Calls refused because the store was {@link #down()} or completions were failing ({@link #failCompletions()}). */
    public long rejectedCalls() {
        return rejectedCalls.get();
    }

    /** The ids (of any namespace) whose lease was completed: marked done. */
    public Set<String> completedIds() {
        return Set.copyOf(completedIds);
    }

    /** Whether {@code id} was marked done through this store (in any namespace). */
    public boolean isCompleted(String id) {
        return completedIds.contains(id);
    }

    private void checkUp(String operation) {
        if (down) {
            rejectedCalls.incrementAndGet();
            throw new StoreUnavailableException("idempotency store is down (injected outage): " + operation
                    + " refused; it returns when the test calls up()", null);
        }
    }

    private void checkCompletionsUp(String operation) {
        if (completionsDown) {
            rejectedCalls.incrementAndGet();
            throw new StoreUnavailableException("idempotency store cannot mark messages done (injected partial "
                    + "outage): " + operation + " refused; it returns when the test calls up()", null);
        }
    }

    /** Every id passed to {@link #claim} or {@link #claimAll} (failed calls included), each once. */
    public Set<String> everClaimedIds() {
        return Set.copyOf(claimedIdSet);
    }

    @Override
    public String toString() {
        return "FaultyIdempotencyStore{delegate=" + delegate + ", down=" + down + ", completionsDown="
                + completionsDown + "}";
    }

    /** Delegated: what the wrapped store can hold. */
    @Override
    public void checkNamespace(String namespace) {
        delegate.checkNamespace(namespace);
    }

    /** Delegated: what the wrapped store can hold. */
    @Override
    public void checkId(String id) {
        delegate.checkId(id);
    }
}
