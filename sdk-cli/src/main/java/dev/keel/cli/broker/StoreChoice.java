package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/** The idempotency store chosen by {@code --redis}: Redis, or the in-memory store when absent. */
public final class StoreChoice {

    /** The Redis port when {@code --redis} names none. */
    public static final int DEFAULT_REDIS_PORT = 6379;

    private final String redisUri;
    private final RedisTarget target;
    private final int waitReplicas;
    /** How the clients reach Redis when not directly (a proxy in front of it), for the description; or null. */
    private final String route;
    /** The Redis of {@code --redis} itself, for the description. */
    private final String shown;
    /** The --truststore/--keystore context's sockets for a rediss:// URI; or null. */
    private final SSLSocketFactory sslSocketFactory;

    private StoreChoice(String redisUri, RedisTarget target, int waitReplicas, String route, String shown,
                        SSLSocketFactory sslSocketFactory) {
        this.redisUri = redisUri;
        this.target = target;
        this.waitReplicas = waitReplicas;
        this.route = route;
        this.shown = shown;
        this.sslSocketFactory = sslSocketFactory;
    }

    /** Checks that Redis answers when one is given; throws EnvironmentException saying what to do. */
    public static StoreChoice from(BrokerOptions options) {
        if (options.redisWaitReplicas() < 0 || options.redisWaitReplicas() > 0 && options.redis() == null) {
            throw new EnvironmentException("--redis-wait-replicas needs --redis and a count of 0 or more, was "
                    + options.redisWaitReplicas());
        }
        RedisTarget target = options.redis() == null ? null
                : RedisTarget.parse(options.redis(), options.redisCluster());
        SSLSocketFactory factory = target == null || !"rediss".equals(target.scheme()) ? null
                : options.tls().sslContext().map(SSLContext::getSocketFactory).orElse(null);
        StoreChoice choice = new StoreChoice(options.redis(), target, options.redisWaitReplicas(), null,
                target == null ? null : target.description(), factory);
        if (choice.isRedis()) {
            RedisSupport.preflight(target, factory);
        }
        return choice;
    }

    public boolean isRedis() {
        return redisUri != null;
    }

    public String redisUri() {
        return redisUri;
    }

    public String description() {
        return isRedis() ? "redis (" + shown + (route != null ? " " + route : "") + (sslSocketFactory != null
                ? " with the --truststore/--keystore context" : "") + (waitReplicas > 0
                ? ", waiting for " + waitReplicas + " replica(s)" : "") + ")" : "in-memory";
    }

    /**
     * A new store; the caller closes it, after the Keel it is given to. Without {@code --redis} it is
     * an in-memory store, chosen on purpose: every CLI run is a single process.
     */
    public IdempotencyStore create() {
        return isRedis() ? RedisSupport.store(target, waitReplicas, sslSocketFactory)
                : new InMemoryIdempotencyStore(Clock.systemUTC());
    }

    /** Whether {@code --redis} names a Redis Cluster (a proxy cannot stand in front of one). */
    public boolean isCluster() {
        return isRedis() && target.cluster();
    }

    /** The Redis host and port of {@code --redis}; only when {@link #isRedis()} and not a cluster. */
    public InetSocketAddress redisAddress() {
        URI uri = RedisSupport.parse(redisUri);
        return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() == -1 ? DEFAULT_REDIS_PORT
                : uri.getPort());
    }

    /**
     * This Redis reached through {@code host:port} (a proxy in front of {@code --redis}) by every client
     * made from the result: its {@link #create() store} and its {@link #redisUri() URI}; credentials,
     * database and scheme stay those of the URI. {@code route} says how, in the {@link #description()}
     * (e.g. "through a proxy adding 250 µs each way"). Checks that Redis answers through it.
     */
    public StoreChoice through(String host, int port, String route) {
        String through = throughUri(host, port);
        StoreChoice choice = new StoreChoice(through, RedisTarget.parse(through, false), waitReplicas, route, shown,
                sslSocketFactory);
        RedisSupport.preflight(choice.target, sslSocketFactory);
        return choice;
    }

    /**
     * The {@code INFO server} section of the Redis of {@code --redis} (one server; not a cluster), as
     * Redis prints it: {@code field:value} lines.
     */
    public String serverInfo() {
        if (!isRedis() || isCluster()) {
            throw new IllegalStateException("no standalone --redis to ask");
        }
        return RedisSupport.serverInfo(redisUri);
    }

    /**
     * The Redis store reached through {@code host:port} (a proxy in front of {@code --redis}) instead
     * of the URI's own address; credentials, database and scheme stay those of the URI.
     */
    public IdempotencyStore createThrough(String host, int port) {
        if (!isRedis() || isCluster()) {
            throw new IllegalStateException("no standalone --redis to reach through a proxy");
        }
        return RedisSupport.store(RedisTarget.parse(throughUri(host, port), false), waitReplicas, sslSocketFactory);
    }

    private String throughUri(String host, int port) {
        if (!isRedis() || isCluster()) {
            throw new IllegalStateException("no standalone --redis to reach through a proxy");
        }
        URI uri = RedisSupport.parse(redisUri);
        return uri.getScheme() + "://" + (uri.getRawUserInfo() != null ? uri.getRawUserInfo() + "@" : "")
                + host + ":" + port + (uri.getRawPath() != null ? uri.getRawPath() : "")
                + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
    }
}
