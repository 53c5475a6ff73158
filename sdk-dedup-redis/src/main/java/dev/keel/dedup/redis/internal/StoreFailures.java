package dev.keel.dedup.redis.internal;

import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.dedup.redis.RedisRefusedException;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.TlsFailures;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import javax.net.ssl.SSLException;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Turns what Jedis throws into the errors the engine acts on, with a message that says where Redis was expected
 * and what to do: {@link RedisRefusedException} (not retriable) when Redis refused the commands for a reason that
 * waiting does not cure (credentials, ACL permissions, a key of another type under the prefix, a command the
 * server renamed or disabled, a TLS certificate one side does not accept), else
 * {@link StoreUnavailableException} (retriable: consumers pause, fail closed). Messages name the endpoint and the
 * user, never the password.
 */
public final class StoreFailures {

    private static final String WRONG_TYPE = "WRONGTYPE";
    private static final Duration MAX_LISTEN = Duration.ofSeconds(1);
    private static final String UNKNOWN_COMMAND = "ERR unknown command";

    private StoreFailures() {
    }

    /**
     * {@code kind} is asked whether a failed connection met a listener of the other kind (TLS or plaintext);
     * {@code certificate}, what a TLS server that dropped the connection says about the certificates.
     */
    public static KeelException translate(RuntimeException error, RedisStoreConfig config, ListenerKind kind,
                                          CertificateRefusal certificate) {
        String where = config.describeEndpoint();
        // a cluster client that could read no slot map keeps the seed nodes' refusals as suppressed exceptions
        JedisAccessControlException denied = find(error, JedisAccessControlException.class);
        if (denied != null) {
            return new RedisRefusedException(where + " refused access for user '"
                    + (config.user() == null ? "default" : config.user()) + "' (" + denied.getMessage()
                    + "): check the user, password and ACL (the store needs " + neededCommands(config) + " on keys '"
                    + config.keyPrefix() + ":*'); retrying does not help until that is fixed", error);
        }
        JedisDataException refused = find(error, JedisDataException.class);
        String reply = refused == null || refused.getMessage() == null ? "" : refused.getMessage();
        if (isPermissionDenied(reply)) {
            // inside a script Redis 7.0 answers a denied command with a plain ERR (7.2 and later: NOPERM in the text)
            return new RedisRefusedException(where + " refused a command of the store's scripts for user '"
                    + (config.user() == null ? "default" : config.user()) + "' (" + reply + "): its ACL lacks one of"
                    + " the commands the store runs, also inside its Lua scripts; grant it " + neededCommands(config)
                    + " on keys '" + config.keyPrefix() + ":*'; retrying does not help until that is fixed", error);
        }
        if (reply.startsWith(UNKNOWN_COMMAND)) {
            return new RedisRefusedException(where + " does not know a command the store sends (" + reply
                    + "): the store needs " + neededCommands(config) + ", and a server that renamed or disabled one"
                    + " (rename-command, or a managed service without scripting) cannot serve it; retrying does not"
                    + " help until that is changed", error);
        }
        // Redis before 7.0 runs every lease command as a script and wraps the refusal: "ERR Error running script
        // (call to f_...): @user_script:1: WRONGTYPE Operation against a key holding the wrong kind of value"
        if (reply.startsWith(WRONG_TYPE) || reply.contains(": " + WRONG_TYPE + " ")) {
            return new RedisRefusedException(where + " refused a lease command (" + reply
                    + "): a key under the store's prefix '" + config.keyPrefix() + ":*' holds another type of value, so"
                    + " something other than this store writes there; give the store a keyPrefix of its own (or a"
                    + " database of its own), or delete that key", error);
        }
        Optional<String> refusal = TlsFailures.certificateProblem(error);
        if (refusal.isEmpty() && config.ssl() && TlsFailures.droppedAfterConnecting(error)) {
            refusal = certificate.problem();
        }
        if (refusal.isPresent()) {
            return new RedisRefusedException(where + " failed the TLS handshake: " + refusal.get()
                    + "; retrying does not help until that is fixed", error);
        }
        Optional<String> otherKind = metTheListener(error) ? kind.mismatch() : Optional.empty();
        if (otherKind.isPresent()) {
            return new RedisRefusedException(otherKind.get(), error);
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
        JedisRedirectionException redirected = find(error, JedisRedirectionException.class);
        if (redirected != null) {
            return new StoreUnavailableException(where + " kept redirecting a lease command for hash slot "
                    + redirected.getSlot() + " (" + redirected.getMessage() + ", after following "
                    + Pipelines.MAX_REDIRECTIONS + " redirections): the slot is moving between nodes, or a migration"
                    + " was left half-done (a slot MIGRATING on one node but not IMPORTING on the other: see redis-cli"
                    + " --cluster check, and --cluster fix); consumers pause until one node serves the slot", error);
        }
        JedisDataException rejected = find(error, JedisDataException.class);
        if (rejected != null && ScriptRuns.isTryAgain(rejected)) {
            return new StoreUnavailableException(where + " refused a lease command while its hash slot migrates ("
                    + rejected.getMessage() + "); consumers pause until the slot's keys are on one node", error);
        }
        if (rejected != null) {
            return new StoreUnavailableException(where + " rejected a lease command (" + rejected.getMessage()
                    + "); consumers pause until Redis accepts writes again", error);
        }
        SocketTimeoutException unanswered = find(error, SocketTimeoutException.class);
        if (unanswered != null && unanswered.getMessage() != null
                && unanswered.getMessage().toLowerCase(Locale.ROOT).contains("read timed out")) {
            // connected, but no reply in time ("Connect timed out" is a connect that never succeeded, below): a slow
            // or overloaded server, or a network that delays or has lost the way to it; the JDK's text is the only
            // thing that tells a read timeout from a connect timeout
            // a TLS handshake left unanswered too: Jedis sets socketTimeout on the socket before the handshake
            return new StoreUnavailableException(where + " did not answer within socketTimeout ("
                    + config.socketTimeout().toMillis() + " ms) (" + summary(error) + "): it is slow or overloaded, or"
                    + " the network to it is slow or cut; consumers pause until it answers in time (if such delays are"
                    + " expected, raise socketTimeout in RedisStoreConfig)", error);
        }
        if (poolExhausted(error)) {
            return new StoreUnavailableException(where + ": no connection of the store's was free for "
                    + config.connectTimeout().plus(config.socketTimeout()).toMillis() + " ms (connectTimeout"
                    + " + socketTimeout): all " + config.poolSize() + " of its connections to that node (poolSize) were"
                    + " busy with calls Redis had not answered yet, so Redis is slow or unreachable, or more threads"
                    + " call the store at once than poolSize allows; consumers pause until a call succeeds (raise"
                    + " poolSize in RedisStoreConfig if more threads share the store)", error);
        }
        if (error instanceof JedisException) {
            return new StoreUnavailableException(where + " is unreachable (" + summary(error)
                    + "); consumers pause until it returns", error);
        }
        return new StoreUnavailableException(where + " failed unexpectedly (" + summary(error)
                + "); consumers pause until it answers", error);
    }

    /**
     * Whether the call found no free connection in the pool within its wait (Jedis wraps the pool's timeout): a
     * connection that could not be made is thrown as such, not as this.
     */
    private static boolean poolExhausted(Throwable error) {
        if (!(error instanceof JedisException) || error instanceof JedisConnectionException
                || !(error.getCause() instanceof NoSuchElementException waited)) {
            return false;
        }
        // commons-pool's own words for a borrow that timed out, or found the pool exhausted without waiting; not a
        // connection that could not be activated or validated
        String message = waited.getMessage() == null ? "" : waited.getMessage();
        return message.startsWith("Timeout waiting for idle object") || message.startsWith("Pool exhausted");
    }

    /**
     * Whether the failure is a connection that reached a listener and then failed the way a client meets one of the
     * other kind: reset, ended, or left unanswered (not one that could not be made at all).
     */
    private static boolean metTheListener(Throwable error) {
        return find(error, JedisConnectionException.class) != null && !connectFailed(error);
    }

    /** A connection that could not be made at all (refused, or the connect timed out): nothing answered to ask. */
    private static boolean connectFailed(Throwable error) {
        return anyDeep(error, t -> t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                || t instanceof java.net.NoRouteToHostException || t instanceof SocketTimeoutException
                && t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("connect timed out"), 0);
    }

    /**
     * Whether {@code error}, a cause or a suppressed exception at any depth is what {@code kind} looks for (a cluster
     * client keeps each seed's failure as a suppressed exception of the one it throws, and those their own).
     */
    private static boolean anyDeep(Throwable error, java.util.function.Predicate<Throwable> kind, int depth) {
        if (error == null || depth > 8) {
            return false;
        }
        if (kind.test(error)) {
            return true;
        }
        for (Throwable suppressed : error.getSuppressed()) {
            if (anyDeep(suppressed, kind, depth + 1)) {
                return true;
            }
        }
        return error.getCause() != error && anyDeep(error.getCause(), kind, depth + 1);
    }

    /** The node a connection of the store's own asks: the Redis, or a cluster's first seed. */
    static HostAndPort firstNode(RedisStoreConfig config) {
        return config.isCluster() ? HostAndPort.from(config.clusterNodes().get(0))
                : new HostAndPort(config.host(), config.port());
    }

    /** How long such a connection waits for an answer: socketTimeout, at most a second. */
    static Duration listenWait(RedisStoreConfig config) {
        return config.socketTimeout().compareTo(MAX_LISTEN) < 0 ? config.socketTimeout() : MAX_LISTEN;
    }

    /** A reply saying the user may not run a command or touch a key: direct, or from inside a script. */
    static boolean isPermissionDenied(String reply) {
        return reply.startsWith("NOPERM") || reply.contains("NOPERM ")
                || reply.contains("The user executing the script can't run this command")
                || reply.contains("The user executing the script can't access");
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

    /** The commands the store sends, as an ACL names them: its user needs them all. */
    static String neededCommands(RedisStoreConfig config) {
        List<String> commands = new ArrayList<>(List.of("GET", "SET", "DEL", "EVAL", "EVALSHA"));
        if (config.database() > 0) {
            commands.add("SELECT"); // the client selects the database on each connection
        }
        if (config.replicaAcks() > 0) {
            commands.add("WAIT");
        }
        if (config.isCluster()) {
            commands.addAll(List.of("CLUSTER|SLOTS", "ASKING"));
        }
        return String.join(", ", commands.subList(0, commands.size() - 1)) + " and " + commands.get(commands.size() - 1);
    }

    /** The first exception of {@code type} in the cause chain of {@code error}, or among its suppressed ones. */
    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (type.isInstance(suppressed)) {
                    return type.cast(suppressed);
                }
            }
        }
        return null;
    }
}
