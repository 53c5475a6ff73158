package dev.keel.dedup.redis;

import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.dedup.redis.internal.AccessCheck;
import dev.keel.dedup.redis.internal.Call;
import dev.keel.dedup.redis.internal.CertificateRefusal;
import dev.keel.dedup.redis.internal.ClaimReleases;
import dev.keel.dedup.redis.internal.DoneMarks;
import dev.keel.dedup.redis.internal.EvictionPolicyCheck;
import dev.keel.dedup.redis.internal.KeyGroups;
import dev.keel.dedup.redis.internal.LeaseKeys;
import dev.keel.dedup.redis.internal.ListenerKind;
import dev.keel.dedup.redis.internal.LeaseScripts;
import dev.keel.dedup.redis.internal.NodeMemory;
import dev.keel.dedup.redis.internal.RedisConnection;
import dev.keel.dedup.redis.internal.Reply;
import dev.keel.dedup.redis.internal.Script;
import dev.keel.dedup.redis.internal.ScriptExecutor;
import dev.keel.dedup.redis.internal.ScriptRuns;
import dev.keel.dedup.redis.internal.SetClaims;
import dev.keel.dedup.redis.internal.StoreFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyStore} in Redis (standalone or Redis Cluster), on Jedis 8.
 *
 * <p>Each id is one key, {@code <keyPrefix>:<group>:<topic>:<id>}, holding {@code p:<token>} while
 * processing (expiring after the lease), {@code d:<token>} once done and {@code x:<token>} once
 * dead-lettered ({@link #markDead}; both expiring after the retention). A dead id is a duplicate to
 * {@link #claim}; only {@link #claimRedriven} (a copy re-driven from the dead-letter topic) takes it again.
 * A claim of a new id is one round trip, one {@code SET ... NX PX ... GET} on Redis 7.0 and later (on an
 * older server one atomic Lua script run); a claim of an id its own token already holds (a retry, a
 * renewal) takes two on 7.0 and later: the {@code SET}, which finds the lease, then the claim script, which
 * renews it. A completion is one round trip, one plain {@code SET ... d:<token> XX PX ... GET} on Redis 7.0 and
 * later (on an older server one atomic Lua script run); a release is one script run. A claim by the token
 * that already holds the id renews its lease (CLAIMED). Release changes the key only if it still holds the
 * caller's token, and reports {@link LeaseOutcome#LOST} otherwise. Complete answers APPLIED only if the key held
 * the caller's lease (or its own done mark); otherwise LOST, and the key is marked done anyway if it existed
 * (another token's lease, done or dead mark: the handler's effect is applied either way, and a copy, retry or
 * re-drive of the message then runs nothing more), or left absent if it was (expired, forgotten, lost). What the
 * script's owner check protected, case by case, and why the plain command keeps every guarantee: see
 * {@link DoneMarks} and docs/redis-store.md ("What the done mark's owner check protected"). {@link #claimAll}
 * and {@link #completeAll} send a whole batch in one pipelined round trip (one command per id, plus one
 * more round trip for the ids their own tokens hold; on a server older than 7.0 one script run per 512 ids; on a
 * cluster pipelined per node and the nodes in parallel), with the same results as one by one.
 *
 * <p>When Redis cannot be reached, or refuses a command for a while ({@code OOM}, {@code READONLY},
 * {@code CLUSTERDOWN}, a slot migration left half-done), every method throws {@link StoreUnavailableException}
 * (retriable), and the consumer pauses until Redis answers again. When Redis refuses for a reason that waiting
 * does not cure (credentials, ACL permissions, a key of another type under the prefix) it throws
 * {@link RedisRefusedException} (not retriable), naming the user and what to grant; also for a command denied
 * inside its scripts. Before its first claim the store runs one script that does what its scripts do
 * ({@code SET}, {@code GET}, {@code DEL} on a key under its prefix), so a user that could claim but never
 * complete is refused before anything is claimed, and no handler runs. The store
 * connects on first use, so it can be created while Redis is down. Once it has first reached Redis it reads each
 * master's {@code maxmemory-policy} and logs a WARN for one that may evict keys (every key of the store has a TTL,
 * so an evicting policy drops done marks under memory pressure); {@link #health()} reports the policies and the
 * evictions on demand. Thread-safe. Whoever creates
 * the store closes it, once, after the Keel it was given to: Keel closes what it created, never
 * what it was given.
 *
 * @see RedisStoreConfig
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

    private static final Logger log = LoggerFactory.getLogger(RedisIdempotencyStore.class);

    private final RedisStoreConfig config;
    private final RedisConnection connection;
    private final ScriptExecutor scripts;
    private final ScriptRuns scriptRuns;
    private final SetClaims setClaims;
    private final DoneMarks doneMarks;
    private final ClaimReleases releases;
    private final LeaseKeys keys;
    private final EvictionPolicyCheck evictionPolicy;
    private final AccessCheck access;
    /** Whether the last call reached Redis; only for logging the change once, not every failed call. */
    private final AtomicBoolean reachable = new AtomicBoolean(true);
    /** Whether Redis is a listener of the other kind (TLS or plaintext) than the store's, while it never answered. */
    private final ListenerKind listenerKind;
    /** What a TLS Redis that dropped a connection says about the certificates, asked once every few seconds. */
    private final CertificateRefusal certificateRefusal;

    private RedisIdempotencyStore(RedisStoreConfig config, boolean claimBySet) {
        this.config = config;
        this.listenerKind = new ListenerKind(config);
        this.certificateRefusal = new CertificateRefusal(config);
        this.connection = new RedisConnection(config);
        this.scripts = new ScriptExecutor(connection);
        this.scriptRuns = new ScriptRuns(scripts);
        this.setClaims = new SetClaims(connection, claimBySet);
        this.doneMarks = new DoneMarks(connection, setClaims);
        this.releases = new ClaimReleases(scripts);
        this.keys = new LeaseKeys(config.keyPrefix());
        this.evictionPolicy = new EvictionPolicyCheck(connection);
        this.access = new AccessCheck(scripts, config.keyPrefix(), config.isCluster());
    }

    /** A store for {@code config}; no connection is made until the first call. */
    public static RedisIdempotencyStore create(RedisStoreConfig config) {
        return new RedisIdempotencyStore(Objects.requireNonNull(config, "config"), true);
    }

    /**
     * A store that claims by script only, as it does on a server older than Redis 7.0: keeps that path
     * proven by the contract suite on a newer server.
     */
    static RedisIdempotencyStore createClaimingByScript(RedisStoreConfig config) {
        return new RedisIdempotencyStore(Objects.requireNonNull(config, "config"), false);
    }

    public RedisStoreConfig config() {
        return config;
    }

    /** {@inheritDoc} Claimed as a batch of one ({@link #claimAll}). */
    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        return claimAll(namespace, List.of(new Lease(Objects.requireNonNull(id, "id"),
                Objects.requireNonNull(token, "token"))), lease).get(0);
    }

    /** {@inheritDoc} Completed as a batch of one ({@link #completeAll}). */
    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        return completeAll(namespace, List.of(new Lease(Objects.requireNonNull(id, "id"),
                Objects.requireNonNull(token, "token"))), retention).get(0);
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        String key = keys.key(requireNamespace(namespace), Objects.requireNonNull(id, "id"));
        List<String> args = List.of(LeaseKeys.processing(Objects.requireNonNull(token, "token")));
        return LeaseKeys.outcome(answered(call(() -> scripts.run(LeaseScripts.RELEASE, key, args))));
    }

    /**
     * Releases every lease in one round trip: one pipelined release script run per id (waiting for replicas once,
     * when the config asks so), as {@link #release} would run them one by one; the results are in order. If part of
     * the batch fails, {@link StoreUnavailableException} (or {@link RedisRefusedException}) is thrown; the entries
     * that did run are released.
     */
    @Override
    public List<LeaseOutcome> releaseAll(String namespace, List<Lease> leases) {
        requireNamespace(namespace);
        Objects.requireNonNull(leases, "leases");
        if (leases.isEmpty()) {
            return List.of();
        }
        List<String> batchKeys = keysOf(namespace, leases, "a lease in leases");
        List<Call> runs = new ArrayList<>(leases.size());
        for (int i = 0; i < leases.size(); i++) {
            String token = LeaseKeys.processing(Objects.requireNonNull(leases.get(i).token(), "token"));
            runs.add(new Call(List.of(batchKeys.get(i)), List.of(token)));
        }
        List<Reply> replies = call(() -> scripts.runAll(LeaseScripts.RELEASE, runs));
        RuntimeException failure = null;
        List<LeaseOutcome> results = new ArrayList<>(replies.size());
        for (Reply reply : replies) {
            if (reply.failed()) {
                failure = firstOf(failure, reply.error());
            } else {
                results.add(LeaseKeys.outcome((Long) reply.value()));
            }
        }
        if (failure != null) {
            throw fail(failure);
        }
        return answered(results);
    }

    /**
     * Claims every id for its token in one round trip; the results are those of claiming them one by
     * one, in order (an id listed twice is CLAIMED, then BUSY with another token or CLAIMED again with
     * the same). On Redis 7.0 and later each id is one pipelined {@code SET key p:<token> NX PX <lease> GET}
     * ({@link SetClaims}); only the ids their own token already holds are claimed again by script, which
     * renews their lease. On an older server (or when claiming by script was chosen) one script run claims
     * up to {@link KeyGroups#DEFAULT_MAX_KEYS} ids (on a cluster, the ids of one hash slot), and the runs of a
     * batch are pipelined. If part of the batch fails, the ids this call newly claimed are released (best
     * effort, in one round trip) before the failure ({@link StoreUnavailableException} or
     * {@link RedisRefusedException}) is thrown; the ids their own tokens already held keep their leases
     * (after a failed SET they are not renewed either).
     */
    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        return claimAll(namespace, claims, lease, LeaseScripts.CLAIM_ALL);
    }

    private List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease, Script script) {
        requireNamespace(namespace);
        Objects.requireNonNull(claims, "claims");
        String pxLease = LeaseKeys.millis(requirePositive(lease, "lease"));
        if (claims.isEmpty()) {
            return List.of();
        }
        List<String> batchKeys = keysOf(namespace, claims, "a claim in claims");
        call(() -> {
            access.ensurePassed(batchKeys.get(0)); // nothing is claimed for a user whose completions would be refused
            return null;
        });
        Long[] answers = new Long[claims.size()];
        List<Integer> byScript = new ArrayList<>(claims.size());
        if (script == LeaseScripts.CLAIM_ALL && setClaims.supported()) {
            List<String> values = new ArrayList<>(claims.size());
            claims.forEach(c -> values.add(LeaseKeys.processing(c.token())));
            List<Reply> replies = call(() -> setClaims.claimAll(batchKeys, values, pxLease));
            if (setClaims.supported()) {
                RuntimeException failure = spreadSetClaims(replies, answers, byScript);
                if (failure != null) {
                    // the ids their own tokens hold (RENEW) stay as they are: renewing them would make them this
                    // call's to release, and their messages may still be running
                    releases.releaseNewlyClaimed(batchKeys, claims, answers);
                    throw fail(failure);
                }
            }
        }
        if (!setClaims.supported() || script != LeaseScripts.CLAIM_ALL) {
            byScript.clear();
            IntStream.range(0, claims.size()).forEach(byScript::add);
        }
        if (!byScript.isEmpty()) {
            RuntimeException failure;
            try {
                failure = claimByScript(script, batchKeys, claims, byScript, pxLease, answers);
            } catch (KeelException e) {
                undoFailedBatch(script, batchKeys, claims, answers);
                throw e;
            }
            if (failure != null) {
                undoFailedBatch(script, batchKeys, claims, answers);
                throw fail(failure);
            }
        }
        List<ClaimResult> results = new ArrayList<>(answers.length);
        for (int i = 0; i < answers.length; i++) {
            results.add(LeaseKeys.claimResult(answers[i], claims.get(i).token()));
        }
        return answered(results);
    }

    /**
     * Releases what a failed batch newly claimed, except a re-driven one's: a re-driven copy's claim may have taken
     * its id's dead mark, which a release would delete (leaving the id free for the dead-lettered original, delivered
     * again, to run). Those claims stay held by their tokens, for the engine to claim again with the same token or to
     * give back, which puts the dead mark back ({@code markDead}); else they expire with their lease
     * (FailedRedrivenBatchKeepsIdTest).
     */
    private void undoFailedBatch(Script script, List<String> batchKeys, List<Lease> claims, Long[] answers) {
        if (script != LeaseScripts.CLAIM_ALL_REDRIVEN) {
            releases.releaseNewlyClaimed(batchKeys, claims, answers);
        }
    }

    /**
     * Puts the answers of the SET claims at their batch indexes (also of a SET that ran but whose wait for
     * replicas failed), and the indexes their own token already held (to be renewed by script) into
     * {@code renew}; returns the first failure, or null.
     */
    private static RuntimeException spreadSetClaims(List<Reply> replies, Long[] answers, List<Integer> renew) {
        RuntimeException failure = null;
        for (int i = 0; i < replies.size(); i++) {
            Reply reply = replies.get(i);
            if (reply.ran()) {
                answers[i] = (Long) reply.value();
            }
            if (reply.failed()) {
                failure = firstOf(failure, reply.error());
            } else if (answers[i] == SetClaims.RENEW) {
                renew.add(i);
            }
        }
        return failure;
    }

    /**
     * Claims the ids at {@code indexes} of the batch by script, grouped into runs as {@link KeyGroups} says,
     * and puts their answers at those indexes; returns the first failure of a run, or null.
     */
    private RuntimeException claimByScript(Script script, List<String> batchKeys, List<Lease> claims,
                                           List<Integer> indexes, String pxLease, Long[] answers) {
        List<String> subsetKeys = new ArrayList<>(indexes.size());
        indexes.forEach(i -> subsetKeys.add(batchKeys.get(i)));
        List<List<Integer>> groups = new ArrayList<>();
        for (List<Integer> group : groupsOf(subsetKeys)) {
            groups.add(group.stream().map(indexes::get).toList());
        }
        ScriptRuns.Result runs = call(() -> scriptRuns.run(script, batchKeys, groups, group -> {
            List<String> args = new ArrayList<>(group.size() + 1);
            args.add(pxLease);
            group.forEach(i -> args.add(LeaseKeys.processing(claims.get(i).token())));
            return args;
        }));
        return runs.spread(answers);
    }

    /**
     * Marks every lease done in one round trip; the results are in order. On Redis 7.0 and later (as long as
     * claims are plain {@code SET}s) each id is one pipelined {@code SET key d:<token> XX PX <retention> GET}
     * ({@link DoneMarks}), no script: APPLIED when it replaced the caller's own lease or done mark; LOST when the
     * key was absent (nothing is written) or held another token's value (then the done mark is written over it:
     * the handler's effect is applied either way; see {@link DoneMarks} and docs/redis-store.md). On an older
     * server, or when claiming by script was chosen, one {@code complete-all} script run marks up to
     * {@link KeyGroups#DEFAULT_MAX_KEYS} ids and changes only keys that hold the caller's lease. If part of the
     * batch fails, {@link StoreUnavailableException} (or {@link RedisRefusedException}) is thrown; the entries that
     * did complete stay done (completing them again with the same token reports APPLIED).
     */
    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        requireNamespace(namespace);
        Objects.requireNonNull(leases, "leases");
        String pxRetention = LeaseKeys.millis(requirePositive(retention, "retention"));
        if (leases.isEmpty()) {
            return List.of();
        }
        List<String> batchKeys = keysOf(namespace, leases, "a lease in leases");
        Long[] answers = new Long[leases.size()];
        RuntimeException failure = null;
        boolean marked = false;
        if (doneMarks.supported()) {
            List<String> tokens = new ArrayList<>(leases.size());
            leases.forEach(lease -> tokens.add(lease.token()));
            List<Reply> replies = call(() -> doneMarks.completeAll(batchKeys, tokens, pxRetention));
            if (replies != null) {
                marked = true;
                for (int i = 0; i < replies.size(); i++) {
                    Reply reply = replies.get(i);
                    if (reply.ran()) {
                        answers[i] = (Long) reply.value();
                    }
                    if (reply.failed()) {
                        failure = firstOf(failure, reply.error());
                    }
                }
            }
        }
        if (!marked) {
            ScriptRuns.Result runs = call(() -> scriptRuns.run(LeaseScripts.COMPLETE_ALL, batchKeys,
                    groupsOf(batchKeys), group -> {
                        List<String> args = new ArrayList<>(2 * group.size() + 1);
                        args.add(pxRetention);
                        for (int i : group) {
                            args.add(LeaseKeys.processing(leases.get(i).token()));
                            args.add(LeaseKeys.done(leases.get(i).token()));
                        }
                        return args;
                    }));
            failure = runs.spread(answers);
        }
        if (failure != null) {
            throw fail(failure);
        }
        List<LeaseOutcome> results = new ArrayList<>(answers.length);
        for (long answer : answers) {
            results.add(LeaseKeys.outcome(answer));
        }
        return answered(results);
    }

    /**
     * Deletes the done marks of {@code ids} (a key processing under a lease stays), grouped into
     * pipelined script runs as {@link #claimAll} does: one round trip.
     */
    @Override
    public int forgetAll(String namespace, List<String> ids) {
        requireNamespace(namespace);
        Objects.requireNonNull(ids, "ids");
        if (ids.isEmpty()) {
            return 0;
        }
        List<String> batchKeys = new ArrayList<>(ids.size());
        ids.forEach(id -> batchKeys.add(keys.key(namespace, Objects.requireNonNull(id, "id"))));
        List<Reply> replies = call(() -> scriptRuns.run(LeaseScripts.FORGET_ALL, batchKeys, groupsOf(batchKeys),
                group -> List.of()).replies());
        int forgotten = 0;
        for (Reply reply : replies) {
            if (reply.failed()) {
                throw fail(reply.error());
            }
            forgotten += ((Number) reply.value()).intValue();
        }
        return answered(forgotten);
    }

    /** {@inheritDoc} One script run, one round trip: {@code p:<token>} → {@code x:<token>}. */
    @Override
    public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
        String key = keys.key(requireNamespace(namespace), Objects.requireNonNull(id, "id"));
        Objects.requireNonNull(token, "token");
        List<String> args = List.of(LeaseKeys.processing(token), LeaseKeys.dead(token),
                LeaseKeys.millis(requirePositive(retention, "retention")));
        return LeaseKeys.outcome(answered(call(() -> scripts.run(LeaseScripts.COMPLETE, key, args))));
    }

    @Override
    public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
        return claimAllRedriven(namespace, List.of(new Lease(Objects.requireNonNull(id, "id"),
                Objects.requireNonNull(token, "token"))), lease).get(0);
    }

    /** {@inheritDoc} Batched and grouped as {@link #claimAll} is. */
    @Override
    public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
        return claimAll(namespace, claims, lease, LeaseScripts.CLAIM_ALL_REDRIVEN);
    }

    /**
     * How Redis keeps this store's keys now: each master's {@code maxmemory-policy} and the keys it has evicted,
     * read with {@code INFO} (or {@code CONFIG GET}), two commands per master. A master that refuses both (an ACL
     * user granted neither) is listed with neither value; that is not a failure. For health checks: an evicting
     * policy, or evictions, mean that done marks may have been dropped and duplicates run again.
     *
     * @throws StoreUnavailableException when a master cannot be reached
     */
    public RedisStoreHealth health() {
        return answered(call(() -> new RedisStoreHealth(evictionPolicy.read().stream()
                .map(RedisIdempotencyStore::nodeHealth).toList())));
    }

    private static RedisStoreHealth.Node nodeHealth(NodeMemory node) {
        return new RedisStoreHealth.Node(node.address(), Optional.ofNullable(node.policy()),
                node.evictedKeys() == null ? OptionalLong.empty() : OptionalLong.of(node.evictedKeys()));
    }

    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "RedisIdempotencyStore{" + config + "}";
    }

    private List<String> keysOf(String namespace, List<Lease> leases, String what) {
        List<String> batchKeys = new ArrayList<>(leases.size());
        for (Lease lease : leases) {
            Objects.requireNonNull(lease, what);
            batchKeys.add(keys.key(namespace, lease.id()));
        }
        return batchKeys;
    }

    private List<List<Integer>> groupsOf(List<String> batchKeys) {
        return KeyGroups.of(batchKeys, connection.isCluster(), KeyGroups.DEFAULT_MAX_KEYS);
    }

    private static RuntimeException firstOf(RuntimeException first, RuntimeException next) {
        return first != null ? first : next;
    }

    /** Runs {@code operation}; a Jedis exception (the whole call failed) becomes the store's error. */
    private <T> T call(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (KeelException e) {
            throw e;
        } catch (RuntimeException e) {
            throw fail(e);
        }
    }

    /**
     * Marks a public call that succeeded as a whole (every entry of its batch answered): logs once that Redis
     * answers again after a failure, and checks the eviction policy the first time. A call whose pipelined
     * entries failed is not one: it goes through {@link #fail}, and must not log "answers again" before it.
     */
    private <T> T answered(T result) {
        listenerKind.answered();
        certificateRefusal.answered();
        if (reachable.compareAndSet(false, true)) {
            log.info("{} answers again", config.describeEndpoint());
        }
        evictionPolicy.once();
        return result;
    }

    private KeelException fail(RuntimeException error) {
        connection.afterFailure();
        KeelException failure = StoreFailures.translate(error, config, listenerKind, certificateRefusal);
        if (reachable.compareAndSet(true, false)) {
            log.warn("{}", failure.getMessage());
        } else {
            log.debug("{}", failure.getMessage());
        }
        return failure;
    }

    private static String requireNamespace(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            throw new IllegalArgumentException("namespace must be non-empty (<group>:<topic>), was '" + namespace + "'");
        }
        return namespace;
    }

    /** A positive duration of at most {@link IdempotencyPolicy#MAX_RETENTION}. */
    private static Duration requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        if (d.compareTo(IdempotencyPolicy.MAX_RETENTION) > 0) {
            throw new IllegalArgumentException(what + " must be at most " + IdempotencyPolicy.MAX_RETENTION
                    + " (IdempotencyPolicy.MAX_RETENTION), was " + d + ": Redis refuses an expiry that far out");
        }
        return d;
    }
}
