package dev.keel.core;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link IdempotencyStore} in this process's memory: for tests, and for a service that runs as
 * one process only. Two processes with a store each both run every duplicate, so a service of
 * several instances needs a shared store (Redis: {@code RedisIdempotencyStore} in sdk-dedup-redis).
 *
 * <p><b>Expiry.</b> Time follows the injected {@link Clock}. Expired entries are dropped when
 * they are touched, and by the store itself as it is used: every 256 operations it examines the
 * next 1,024 entries and drops the expired ones, so
 * every expired entry goes within a few passes and the size stays near the number of ids within
 * their lease or retention. There is no thread of its own; {@link #purgeExpired()} drops every
 * expired entry at once.
 *
 * <p><b>Bound.</b> It holds at most {@code maxEntries} ids (default {@value #DEFAULT_MAX_ENTRIES},
 * a few hundred bytes each). When full it first drops every expired entry (at most once per second
 * of its clock); if it is still full, a claim of a new id fails with a retriable
 * {@link StoreUnavailableException}, so the consumer pauses and retries, as during a store outage.
 * It never drops an id that is still within its lease or retention.
 *
 * <p>Thread-safe. Whoever creates the store closes it: Keel closes a store only when it created
 * the store itself.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** The most ids held at once, unless the constructor says otherwise. */
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;
    /** Operations between two sweep steps. */
    static final int SWEEP_EVERY = 256;
    /** Entries examined by one sweep step. */
    static final int SWEEP_STEP = 1024;
    /** The least time, on the store's clock, between two purges of a full store. */
    static final Duration FULL_PURGE_INTERVAL = Duration.ofSeconds(1);

    private record Entry(String token, boolean done, Instant expiresAt, boolean dead) {
        Entry(String token, boolean done, Instant expiresAt) {
            this(token, done, expiresAt, false);
        }

        boolean expiredAt(Instant now) {
            return !expiresAt.isAfter(now);
        }

        /** Done or dead: no longer processing. */
        boolean finished() {
            return done || dead;
        }
    }

    private final Clock clock;
    private final int maxEntries;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Entries held: reserved before a new key is added, so the bound holds under concurrency. */
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong operations = new AtomicLong();
    private final ReentrantLock sweepLock = new ReentrantLock();
    /** Where the next sweep step goes on; guarded by {@link #sweepLock}. */
    private Iterator<String> sweepCursor;
    /** When a full store was last purged; guarded by {@link #sweepLock}. */
    private Instant lastFullPurge;

    /** A store on the system clock holding at most {@value #DEFAULT_MAX_ENTRIES} ids. */
    public InMemoryIdempotencyStore() {
        this(Clock.systemUTC());
    }

    /** A store on {@code clock} holding at most {@value #DEFAULT_MAX_ENTRIES} ids. */
    public InMemoryIdempotencyStore(Clock clock) {
        this(clock, DEFAULT_MAX_ENTRIES);
    }

    /**
     * A store on {@code clock} holding at most {@code maxEntries} ids (processing or done).
     *
     * @throws IllegalArgumentException when {@code maxEntries} is less than 1
     */
    public InMemoryIdempotencyStore(Clock clock, int maxEntries) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    /** The most ids this store holds at once. */
    public int maxEntries() {
        return maxEntries;
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreUnavailableException when the id is new and the store holds {@link #maxEntries()}
     *                                   ids that are all within their lease or retention
     */
    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return claim(namespace, id, token, lease, false, null);
    }

    /** {@inheritDoc} A dead id is taken (dead → processing); see {@link #claim} for the rest. */
    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return claim(namespace, id, token, lease, true, null);
    }

    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        return claimAll(namespace, claims, lease, true);
    }

    /** {@code tookDead}, when not null, receives the dead entry a re-driven claim took. */
    private ClaimResult claim(String namespace, String id, String token, Duration lease, boolean redriven,
                              Entry[] tookDead) {
        Objects.requireNonNull(token, "token");
        requirePositive(lease, "lease");
        String key = key(namespace, id);
        try {
            ClaimResult result = tryClaim(key, token, lease, redriven, tookDead);
            if (result == null) {
                purgeWhenFull();
                result = tryClaim(key, token, lease, redriven, tookDead);
            }
            if (result == null) {
                throw new StoreUnavailableException("the in-memory idempotency store is full: it holds its maximum of "
                        + maxEntries + " ids (maxEntries), all within their lease or retention; consumers pause "
                        + "until some expire. Raise maxEntries, shorten the retention, or use RedisIdempotencyStore "
                        + "(module sdk-dedup-redis)", null);
            }
            return result;
        } finally {
            sweepStep();
        }
    }

    /**
     * {@inheritDoc} When the store becomes full part way, the ids this call newly claimed are released
     * before the {@link StoreUnavailableException} is thrown, so none stays busy until its lease ends;
     * those it renewed for the token that held them stay held (a running handler's renewal can share a
     * batch with a new message's claim), and a dead id a re-driven claim of it took is dead again (a
     * release would leave it free, for any later copy to run as new, and its dead letter unrun).
     */
    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        return claimAll(namespace, claims, lease, false);
    }

    private List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease, boolean redriven) {
        List<ClaimResult> results = new ArrayList<>(claims.size());
        boolean[] renewals = new boolean[claims.size()];
        Entry[] tookDead = new Entry[claims.size()];
        try {
            for (Lease claim : claims) {
                int i = results.size();
                renewals[i] = heldBy(key(namespace, claim.id()), claim.token());
                Entry[] took = new Entry[1];
                results.add(claim(namespace, claim.id(), claim.token(), lease, redriven, took));
                tookDead[i] = took[0];
            }
        } catch (StoreUnavailableException e) {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i).isClaimed() && !renewals[i]) {
                    undo(namespace, claims.get(i), tookDead[i]);
                }
            }
            throw e;
        }
        return results;
    }

    /** Undoes a claim this batch made: a dead id it took is set back to {@code dead}, any other released. */
    private void undo(String namespace, Lease claim, Entry dead) {
        if (dead == null) {
            release(namespace, claim.id(), claim.token());
            return;
        }
        entries.computeIfPresent(key(namespace, claim.id()),
                (k, e) -> !e.finished() && !e.dead() && e.token().equals(claim.token()) ? dead : e);
    }

    /** Whether {@code token} holds {@code key}'s lease now (a claim of it is a renewal). */
    private boolean heldBy(String key, String token) {
        Entry e = entries.get(key);
        return e != null && !e.expiredAt(clock.instant()) && !e.finished() && !e.dead() && e.token().equals(token);
    }

    /** Claims {@code key}; null when it is new and no room is left. */
    private ClaimResult tryClaim(String key, String token, Duration lease, boolean redriven, Entry[] tookDead) {
        Instant now = clock.instant();
        ClaimResult[] result = new ClaimResult[1];
        entries.compute(key, (k, e) -> {
            if (e != null && !e.expiredAt(now)) {
                if (e.dead() && redriven) {
                    result[0] = ClaimResult.claimed(token); // a re-driven copy takes the dead-lettered id
                    if (tookDead != null) {
                        tookDead[0] = e;
                    }
                    return new Entry(token, false, now.plus(lease));
                }
                if (!e.finished() && e.token().equals(token)) {
                    result[0] = ClaimResult.claimed(token); // renewed for the token that holds it
                    return new Entry(token, false, now.plus(lease));
                }
                result[0] = e.finished() ? ClaimResult.duplicate() : ClaimResult.busy();
                return e;
            }
            if (e == null && !reserve()) {
                return null;
            }
            result[0] = ClaimResult.claimed(token);
            return new Entry(token, false, now.plus(lease));
        });
        return result[0];
    }

    private boolean reserve() {
        while (true) {
            int held = count.get();
            if (held >= maxEntries) {
                return false;
            }
            if (count.compareAndSet(held, held + 1)) {
                return true;
            }
        }
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        requirePositive(retention, "retention");
        return transition(namespace, id, token, new Entry(token, true, clock.instant().plus(retention)));
    }

    /** {@inheritDoc} The dead state is kept apart from done: {@link #claimRedriven} may take it again. */
    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        requirePositive(retention, "retention");
        return transition(namespace, id, token, new Entry(token, false, clock.instant().plus(retention), true));
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        return transition(namespace, id, token, null);
    }

    private LeaseOutcome transition(String namespace, String id, String token, Entry next) {
        Instant now = clock.instant();
        LeaseOutcome[] outcome = {LeaseOutcome.LOST};
        try {
            entries.compute(key(namespace, id), (k, e) -> {
                if (e == null) {
                    return null;
                }
                if (e.expiredAt(now)) {
                    count.decrementAndGet();
                    return null;
                }
                if (!e.finished() && e.token().equals(token)) {
                    outcome[0] = LeaseOutcome.APPLIED;
                    if (next == null) {
                        count.decrementAndGet();
                    }
                    return next;
                }
                if (next != null && e.done() == next.done() && e.dead() == next.dead() && e.token().equals(token)) {
                    outcome[0] = LeaseOutcome.APPLIED; // completed again by its owner: idempotent
                }
                return e;
            });
        } finally {
            sweepStep();
        }
        return outcome[0];
    }

    /** {@inheritDoc} Done entries are dropped; entries processing under a lease are kept. */
    @Override
    public int forgetAll(String namespace, List<String> ids) {
        Objects.requireNonNull(namespace, "namespace");
        int[] forgotten = {0};
        for (String id : ids) {
            entries.computeIfPresent(key(namespace, Objects.requireNonNull(id, "id")), (k, e) -> {
                if (e.done()) {
                    count.decrementAndGet();
                    forgotten[0]++;
                    return null;
                }
                return e;
            });
        }
        return forgotten[0];
    }

    /** Drops every expired entry now, in one pass. */
    public void purgeExpired() {
        Instant now = clock.instant();
        for (String key : entries.keySet()) {
            dropIfExpired(key, now);
        }
    }

    /** How many entries are held, expired ones included until they are dropped. */
    public int size() {
        return entries.size();
    }

    /** Drops every entry. */
    @Override
    public void close() {
        entries.clear();
        count.set(0);
    }

    private void dropIfExpired(String key, Instant now) {
        entries.computeIfPresent(key, (k, e) -> {
            if (e.expiredAt(now)) {
                count.decrementAndGet();
                return null;
            }
            return e;
        });
    }

    /** Every {@link #SWEEP_EVERY} operations, examines the next {@link #SWEEP_STEP} entries. */
    private void sweepStep() {
        if (operations.incrementAndGet() % SWEEP_EVERY != 0 || !sweepLock.tryLock()) {
            return;
        }
        try {
            Instant now = clock.instant();
            for (int i = 0; i < SWEEP_STEP; i++) {
                if (sweepCursor == null) {
                    sweepCursor = entries.keySet().iterator();
                }
                if (!sweepCursor.hasNext()) {
                    sweepCursor = null; // a pass is over; the next step starts another
                    return;
                }
                dropIfExpired(sweepCursor.next(), now);
            }
        } finally {
            sweepLock.unlock();
        }
    }

    /** Purges a full store, at most once per {@link #FULL_PURGE_INTERVAL} of its clock. */
    private void purgeWhenFull() {
        sweepLock.lock();
        try {
            Instant now = clock.instant();
            if (lastFullPurge != null && now.isBefore(lastFullPurge.plus(FULL_PURGE_INTERVAL))) {
                return;
            }
            lastFullPurge = now;
            purgeExpired();
        } finally {
            sweepLock.unlock();
        }
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
