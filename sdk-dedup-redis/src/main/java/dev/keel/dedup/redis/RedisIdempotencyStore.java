package dev.keel.dedup.redis;

import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.dedup.redis.internal.LeaseKeys;
import dev.keel.dedup.redis.internal.LeaseScripts;
import dev.keel.dedup.redis.internal.RedisConnection;
import dev.keel.dedup.redis.internal.Reply;
import dev.keel.dedup.redis.internal.ScriptExecutor;
import dev.keel.dedup.redis.internal.StoreFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyStore} in Redis (standalone or Redis Cluster), on Jedis 8.
 *
 * <p>Each id is one key, {@code <keyPrefix>:<group>:<topic>:<id>}, holding {@code p:<token>} while
 * processing (expiring after the lease) and {@code d:<token>} once done (expiring after the
 * retention). Claim, complete and release are each one atomic Lua script run, one round trip; a
 * claim by the token that already holds the id renews its lease (CLAIMED); complete and release change the key only if it still holds the caller's token, and report
 * {@link LeaseOutcome#LOST} otherwise. {@link #claimAll} and {@link #completeAll} send a whole batch
 * in one pipelined round trip (on a cluster, one per node, in parallel), with the same results as
 * one by one.
 *
 * <p>When Redis cannot be reached, or refuses the commands, every method throws
 * {@link StoreUnavailableException}, and the consumer pauses until Redis answers again. The store
 * connects on first use, so it can be created while Redis is down. Thread-safe. Whoever creates
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
    private final LeaseKeys keys;
    /** Whether the last call reached Redis; only for logging the change once, not every failed call. */
    private final AtomicBoolean reachable = new AtomicBoolean(true);

    private RedisIdempotencyStore(RedisStoreConfig config) {
        this.config = config;
        this.connection = new RedisConnection(config);
        this.scripts = new ScriptExecutor(connection);
        this.keys = new LeaseKeys(config.keyPrefix());
    }

    /** A store for {@code config}; no connection is made until the first call. */
    public static RedisIdempotencyStore create(RedisStoreConfig config) {
        return new RedisIdempotencyStore(Objects.requireNonNull(config, "config"));
    }

    public RedisStoreConfig config() {
        return config;
    }

    @Override
    public ClaimResult claim(String namespace, String id, String token, Duration lease) {
        String key = keys.key(requireNamespace(namespace), Objects.requireNonNull(id, "id"));
        Objects.requireNonNull(token, "token");
        String pxLease = LeaseKeys.millis(requirePositive(lease, "lease"));
        long reply = call(() -> scripts.run(LeaseScripts.CLAIM, key, List.of(LeaseKeys.processing(token), pxLease)));
        return LeaseKeys.claimResult(reply, token);
    }

    @Override
    public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
        String key = keys.key(requireNamespace(namespace), Objects.requireNonNull(id, "id"));
        List<String> args = completeArgs(Objects.requireNonNull(token, "token"),
                LeaseKeys.millis(requirePositive(retention, "retention")));
        return LeaseKeys.outcome(call(() -> scripts.run(LeaseScripts.COMPLETE, key, args)));
    }

    @Override
    public LeaseOutcome release(String namespace, String id, String token) {
        String key = keys.key(requireNamespace(namespace), Objects.requireNonNull(id, "id"));
        List<String> args = List.of(LeaseKeys.processing(Objects.requireNonNull(token, "token")));
        return LeaseKeys.outcome(call(() -> scripts.run(LeaseScripts.RELEASE, key, args)));
    }

    /**
     * Claims every id for its token in one pipelined round trip; the results are those of claiming them
     * one by one, in order (an id listed twice is CLAIMED, then BUSY with another token or CLAIMED again
     * with the same). If part of the batch fails, the ids this call did claim are released (best effort)
     * before {@link StoreUnavailableException} is thrown.
     */
    @Override
    public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
        requireNamespace(namespace);
        Objects.requireNonNull(claims, "claims");
        String pxLease = LeaseKeys.millis(requirePositive(lease, "lease"));
        if (claims.isEmpty()) {
            return List.of();
        }
        List<String> batchKeys = new ArrayList<>(claims.size());
        List<String> tokens = new ArrayList<>(claims.size());
        List<List<String>> args = new ArrayList<>(claims.size());
        for (Lease claim : claims) {
            Objects.requireNonNull(claim, "a claim in claims");
            batchKeys.add(keys.key(namespace, claim.id()));
            tokens.add(claim.token());
            args.add(List.of(LeaseKeys.processing(claim.token()), pxLease));
        }
        List<Reply> replies = call(() -> scripts.runAll(LeaseScripts.CLAIM, batchKeys, args));
        RuntimeException failure = firstFailure(replies);
        if (failure != null) {
            releaseClaimed(batchKeys, tokens, replies);
            throw fail(failure);
        }
        List<ClaimResult> results = new ArrayList<>(replies.size());
        for (int i = 0; i < replies.size(); i++) {
            results.add(LeaseKeys.claimResult(replies.get(i).value(), tokens.get(i)));
        }
        return results;
    }

    /**
     * Completes every lease in one pipelined round trip; the results are those of completing them one
     * by one, in order. If part of the batch fails, {@link StoreUnavailableException} is thrown; the
     * entries that did complete stay done (completing them again reports LOST).
     */
    @Override
    public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
        requireNamespace(namespace);
        Objects.requireNonNull(leases, "leases");
        String pxRetention = LeaseKeys.millis(requirePositive(retention, "retention"));
        if (leases.isEmpty()) {
            return List.of();
        }
        List<String> batchKeys = new ArrayList<>(leases.size());
        List<List<String>> args = new ArrayList<>(leases.size());
        for (Lease lease : leases) {
            Objects.requireNonNull(lease, "a lease in leases");
            batchKeys.add(keys.key(namespace, lease.id()));
            args.add(completeArgs(lease.token(), pxRetention));
        }
        List<Reply> replies = call(() -> scripts.runAll(LeaseScripts.COMPLETE, batchKeys, args));
        RuntimeException failure = firstFailure(replies);
        if (failure != null) {
            throw fail(failure);
        }
        List<LeaseOutcome> results = new ArrayList<>(replies.size());
        for (Reply reply : replies) {
            results.add(LeaseKeys.outcome(reply.value()));
        }
        return results;
    }

    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "RedisIdempotencyStore{" + config + "}";
    }

    private static List<String> completeArgs(String token, String pxRetention) {
        return List.of(LeaseKeys.processing(token), LeaseKeys.done(token), pxRetention);
    }

    private void releaseClaimed(List<String> batchKeys, List<String> tokens, List<Reply> replies) {
        for (int i = 0; i < replies.size(); i++) {
            Reply reply = replies.get(i);
            if (!reply.failed() && reply.value() == LeaseScripts.CLAIMED) {
                try {
                    scripts.run(LeaseScripts.RELEASE, batchKeys.get(i), List.of(LeaseKeys.processing(tokens.get(i))));
                } catch (RuntimeException e) {
                    log.debug("Could not release a claim of a failed batch; it expires with its lease", e);
                }
            }
        }
    }

    private <T> T call(Supplier<T> operation) {
        try {
            T result = operation.get();
            if (reachable.compareAndSet(false, true)) {
                log.info("{} answers again", config.describeEndpoint());
            }
            return result;
        } catch (KeelException e) {
            throw e;
        } catch (RuntimeException e) {
            throw fail(e);
        }
    }

    private StoreUnavailableException fail(RuntimeException error) {
        connection.discardIdleConnections();
        StoreUnavailableException failure = StoreFailures.translate(error, config);
        if (reachable.compareAndSet(true, false)) {
            log.warn("{}", failure.getMessage());
        } else {
            log.debug("{}", failure.getMessage());
        }
        return failure;
    }

    private static RuntimeException firstFailure(List<Reply> replies) {
        for (Reply reply : replies) {
            if (reply.failed()) {
                return reply.error();
            }
        }
        return null;
    }

    private static String requireNamespace(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            throw new IllegalArgumentException("namespace must be non-empty (<group>:<topic>), was '" + namespace + "'");
        }
        return namespace;
    }

    private static Duration requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }
}
