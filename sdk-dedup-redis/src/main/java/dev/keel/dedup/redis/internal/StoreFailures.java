package dev.keel.dedup.redis.internal;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.redis.RedisStoreConfig;
import javax.net.ssl.SSLException;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Turns what Jedis throws into the one error the engine acts on, {@link StoreUnavailableException}
 * (consumers pause, fail closed), with a message that says where Redis was expected and what to do.
 * Messages name the endpoint and the user, never the password.
 */
public final class StoreFailures {

    private StoreFailures() {
    }

    public static StoreUnavailableException translate(RuntimeException error, RedisStoreConfig config) {
        String where = config.describeEndpoint();
        JedisAccessControlException denied = find(error, JedisAccessControlException.class);
        if (denied != null) {
            return new StoreUnavailableException(where + " refused access for user '"
                    + (config.user() == null ? "default" : config.user()) + "' (" + denied.getMessage()
                    + "): check the user, password and ACL (the store needs GET, SET, DEL, EVAL and EVALSHA on keys '"
                    + config.keyPrefix() + ":*'); consumers pause until access is granted", error);
        }
        SSLException tls = find(error, SSLException.class);
        if (tls != null) {
            return new StoreUnavailableException(where + " failed the TLS handshake (" + tls.getMessage()
                    + "): check that the server speaks TLS, that the trust store (sslSocketFactory or"
                    + " javax.net.ssl.trustStore) holds its CA, and that its certificate names the host;"
                    + " consumers pause until it succeeds", error);
        }
        NotReplicatedException lagging = find(error, NotReplicatedException.class);
        if (lagging != null) {
            return new StoreUnavailableException(where + ": " + lagging.getMessage()
                    + "; the consumer retries with the same owner token until the replicas have it (a replica"
                    + " down or a failover under way)", error);
        }
        JedisDataException rejected = find(error, JedisDataException.class);
        if (rejected != null) {
            return new StoreUnavailableException(where + " rejected a lease command (" + rejected.getMessage()
                    + "); consumers pause until Redis accepts writes again", error);
        }
        if (error instanceof JedisException) {
            return new StoreUnavailableException(where + " is unreachable (" + summary(error)
                    + "); consumers pause until it returns", error);
        }
        return new StoreUnavailableException(where + " failed unexpectedly (" + summary(error)
                + "); consumers pause until it answers", error);
    }

    private static String summary(Throwable error) {
        Throwable deepest = error;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String top = error.getClass().getSimpleName() + ": " + error.getMessage();
        return deepest == error ? top : top + "; caused by " + deepest.getClass().getSimpleName() + ": "
                + deepest.getMessage();
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
