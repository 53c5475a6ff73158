package dev.keel.dedup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link IdempotencyStore} in this process's memory, for tests and single-process use. Expiry
 * follows the injected {@link Clock}; expired entries are dropped as they are touched and by
 * {@link #purgeExpired()}.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private record Entry(String token, boolean done, Instant expiresAt) {
    }

    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public InMemoryIdempotencyStore() {
        this(Clock.systemUTC());
    }

    public InMemoryIdempotencyStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        Objects.requireNonNull(token, "token");
        requirePositive(lease, "lease");
        Instant now = clock.instant();
        ClaimResult[] result = new ClaimResult[1];
        entries.compute(key(namespace, id), (k, e) -> {
            if (e == null || !e.expiresAt().isAfter(now) || (!e.done() && e.token().equals(token))) {
                result[0] = ClaimResult.claimed(token); // new, or renewed for the token that holds it
                return new Entry(token, false, now.plus(lease));
            }
            result[0] = e.done() ? ClaimResult.duplicate() : ClaimResult.busy();
            return e;
        });
        return result[0];
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        requirePositive(retention, "retention");
        return transition(namespace, id, token, new Entry(token, true, clock.instant().plus(retention)));
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        return transition(namespace, id, token, null);
    }

    private LeaseOutcome transition(String namespace, String id, String token, Entry next) {
        Instant now = clock.instant();
        LeaseOutcome[] outcome = {LeaseOutcome.LOST};
        entries.compute(key(namespace, id), (k, e) -> {
            if (e == null || !e.expiresAt().isAfter(now)) {
                return null;
            }
            if (!e.done() && e.token().equals(token)) {
                outcome[0] = LeaseOutcome.APPLIED;
                return next;
            }
            if (e.done() && next != null && e.token().equals(token)) {
                outcome[0] = LeaseOutcome.APPLIED; // completed again by its owner: idempotent
            }
            return e;
        });
        return outcome[0];
    }

    /** Drops every expired entry. */
    public void purgeExpired() {
        Instant now = clock.instant();
        entries.values().removeIf(e -> !e.expiresAt().isAfter(now));
    }

    /** How many entries are held, expired ones included until purged. */
    public int size() {
        return entries.size();
    }

    @Override
    public void close() {
        entries.clear();
    }

    private static String key(String namespace, String id) {
        return namespace + '\u0000' + id;
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
    }
}
