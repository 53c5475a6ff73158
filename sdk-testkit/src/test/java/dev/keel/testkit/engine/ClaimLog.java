package dev.keel.testkit.engine;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A store decorator that records every claim call (single or batched) with its leases, so a test can
 * see renewals (a claim with the token that already holds the id) and how claims were batched.
 */
final class ClaimLog implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final List<List<Lease>> calls = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Every lease of a claim call that has returned, in order. */
    private final List<Lease> answeredLeases = new CopyOnWriteArrayList<>();

    ClaimLog(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    /** Every claim call so far, each with its leases in order. */
    List<List<Lease>> calls() {
        return List.copyOf(calls);
    }

    /** Whether a claim call of {@code id} has returned (its claim is in the store, whatever the answer). */
    boolean answered(String id) {
        return answered.contains(id);
    }

    /** How many claims with {@code token} (its first claim and its renewals) the store has answered. */
    long answeredWith(String token) {
        return answeredLeases.stream().filter(l -> l.token().equals(token)).count();
    }

    /** The token of {@code id}'s first claim (its delivery's token), or null before one. */
    String tokenOf(String id) {
        return calls.stream().flatMap(List::stream).filter(l -> l.id().equals(id)).map(Lease::token).findFirst()
                .orElse(null);
    }

    /** How many times {@code id} was claimed, renewals included. */
    long claimsOf(String id) {
        return calls.stream().flatMap(List::stream).filter(l -> l.id().equals(id)).count();
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        calls.add(List.of(new Lease(id, token)));
        ClaimResult result = delegate.claim(namespace, id, token, lease);
        answered.add(id);
        answeredLeases.add(new Lease(id, token));
        return result;
    }

    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        calls.add(new ArrayList<>(claims));
        List<ClaimResult> results = delegate.claimAll(namespace, claims, lease);
        claims.forEach(claimed -> answered.add(claimed.id()));
        answeredLeases.addAll(claims);
        return results;
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return delegate.complete(namespace, id, token, retention);
    }

    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        return delegate.completeAll(namespace, leases, retention);
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        return delegate.release(namespace, id, token);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
