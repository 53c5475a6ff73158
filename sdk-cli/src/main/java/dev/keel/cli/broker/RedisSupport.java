package dev.keel.cli.broker;

import dev.keel.KeelException;
import dev.keel.cli.EnvironmentException;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.ClaimResult;
import dev.keel.spi.support.UrlPasswords;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.RedisClient;

/** Redis for the CLI: the reachability check, and the idempotency store over it. */
final class RedisSupport {

    static final String PREFLIGHT_NAMESPACE = "keel-cli:preflight";
    /** How long a claim or completion waits for --redis-wait-replicas replicas (below the 2 s socket timeout). */
    static final Duration WAIT_TIMEOUT = Duration.ofSeconds(1);

    private RedisSupport() {
    }

    /** One claim and release on a scratch namespace, through the store itself (AUTH and TLS included). */
    static void preflight(RedisTarget target, SSLSocketFactory sslSocketFactory) {
        try (IdempotencyStore store = store(target, 0, sslSocketFactory)) {
            String id = UUID.randomUUID().toString();
            ClaimResult claim = store.claim(PREFLIGHT_NAMESPACE, id, UUID.randomUUID().toString(), Duration.ofSeconds(5));
            if (claim.isClaimed()) {
                store.release(PREFLIGHT_NAMESPACE, id, claim.token());
            }
        } catch (EnvironmentException e) {
            throw e;
        } catch (KeelException e) {
            if (e.isRetriable()) {
                throw unreachable(target, e);
            }
            // refused (a login, a permission, a certificate): it answered, and the message says what to fix
            throw new EnvironmentException("Redis refused the CLI's access (not an outage: it answered): "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw unreachable(target, e);
        }
    }

    private static EnvironmentException unreachable(RedisTarget target, RuntimeException e) {
        return new EnvironmentException("cannot reach " + (target.cluster() ? "" : "Redis at ") + target.description()
                + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "). Start Redis there (e.g. "
                + "'redis-server --port 6379 --save \"\" --appendonly no') or leave out --redis to use the "
                + "in-memory store.", e);
    }

    /** The store at {@code uri}; with {@code waitReplicas} above 0, each claim and completion waits for them. */
    static IdempotencyStore store(RedisTarget target, int waitReplicas, SSLSocketFactory sslSocketFactory) {
        try {
            return RedisIdempotencyStore.create(target.config(waitReplicas, WAIT_TIMEOUT, sslSocketFactory));
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--redis: " + e.getMessage(), e);
        }
    }

    /** {@code INFO server} of the one Redis at {@code uri}. */
    static String serverInfo(String uri) {
        try (RedisClient client = RedisClient.create(URI.create(uri))) {
            return client.info("server");
        } catch (RuntimeException e) {
            throw new EnvironmentException("cannot ask Redis at " + Endpoints.redact(uri) + " for INFO server ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    static URI parse(String uri) {
        try {
            URI parsed = URI.create(uri);
            if (!"redis".equals(parsed.getScheme()) && !"rediss".equals(parsed.getScheme())
                    || parsed.getHost() == null) {
                throw new IllegalArgumentException("not a redis:// URI");
            }
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--redis must be a URI like redis://127.0.0.1:6379 (or rediss:// for TLS, "
                    + "redis://user:password@host:port/db for AUTH), was '" + UrlPasswords.maskRefused(uri) + "'");
        }
    }
}
