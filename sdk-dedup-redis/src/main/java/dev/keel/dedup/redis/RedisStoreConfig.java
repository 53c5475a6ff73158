package dev.keel.dedup.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;

/**
 * An immutable configuration of a {@link RedisIdempotencyStore}: where Redis runs (one standalone
 * server, or the seed nodes of a Redis Cluster), how to authenticate (AUTH password or ACL user and
 * password), TLS, the key prefix, timeouts and the connection pool size.
 *
 * <p>Build with {@link #custom()}, {@link #ofDefaults()} or {@link #from(RedisStoreConfig)}. Each value
 * is checked as it is set and the whole at {@link Builder#build()}, with an
 * {@link IllegalArgumentException} that says what is allowed. A value: {@link #equals(Object)}
 * compares every setting (a TLS socket factory by identity). {@link #toString()} never shows the
 * password, and shows a TLS socket factory by its class name only.
 *
 * <pre>{@code
 * RedisStoreConfig config = RedisStoreConfig.custom()
 *         .uri("rediss://keel:secret@redis.internal:6380")   // or .host(..).port(..).user(..).password(..).ssl(true)
 *         .keyPrefix("billing")
 *         .build();
 * RedisStoreConfig cluster = RedisStoreConfig.custom()
 *         .clusterNodes("10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379")
 *         .build();
 * }</pre>
 */
public final class RedisStoreConfig {

    public static final String DEFAULT_HOST = "localhost";
    public static final int DEFAULT_PORT = 6379;
    public static final String DEFAULT_KEY_PREFIX = "keel";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_POOL_SIZE = 16;
    /** By default no write waits for replicas (Redis replication is asynchronous). */
    public static final int DEFAULT_REPLICA_ACKS = 0;
    public static final Duration DEFAULT_REPLICA_ACK_TIMEOUT = Duration.ofSeconds(1);

    private static final int MAX_KEY_PREFIX_LENGTH = 100;
    private static final int MAX_POOL_SIZE = 1024;
    private static final int MAX_REPLICA_ACKS = 16;

    private final String host;
    private final int port;
    private final List<String> clusterNodes;
    private final String user;
    private final String password;
    private final boolean ssl;
    private final SSLSocketFactory sslSocketFactory;
    private final int database;
    private final String keyPrefix;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final int poolSize;
    private final int replicaAcks;
    private final Duration replicaAckTimeout;

    private RedisStoreConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.clusterNodes = List.copyOf(b.clusterNodes);
        this.user = b.user;
        this.password = b.password;
        this.ssl = b.ssl;
        this.sslSocketFactory = b.sslSocketFactory;
        this.database = b.database;
        this.keyPrefix = b.keyPrefix;
        this.connectTimeout = b.connectTimeout;
        this.socketTimeout = b.socketTimeout;
        this.poolSize = b.poolSize;
        this.replicaAcks = b.replicaAcks;
        this.replicaAckTimeout = b.replicaAckTimeout;
    }

    /** A standalone Redis on localhost:6379, no authentication, no TLS. */
    public static RedisStoreConfig ofDefaults() {
        return custom().build();
    }

    /** A builder preset with the defaults (the DEFAULT_* constants of this class). */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder preset with every value of {@code base}. */
    public static Builder from(RedisStoreConfig base) {
        Builder b = new Builder().host(base.host).port(base.port).ssl(base.ssl).database(base.database)
                .keyPrefix(base.keyPrefix).connectTimeout(base.connectTimeout).socketTimeout(base.socketTimeout)
                .poolSize(base.poolSize).waitForReplicas(base.replicaAcks, base.replicaAckTimeout);
        b.clusterNodes = new ArrayList<>(base.clusterNodes);
        b.user = base.user;
        b.password = base.password;
        b.sslSocketFactory = base.sslSocketFactory;
        return b;
    }

    /** The standalone server's host (unused when {@link #isCluster()}). */
    public String host() { return host; }

    /** The standalone server's port (unused when {@link #isCluster()}). */
    public int port() { return port; }

    /** The Redis Cluster seed nodes as {@code host:port}; empty for a standalone server. */
    public List<String> clusterNodes() { return clusterNodes; }

    public boolean isCluster() { return !clusterNodes.isEmpty(); }

    /** The ACL user, or null for the default user. */
    public String user() { return user; }

    /** The password (AUTH or ACL), or null; never logged. */
    public String password() { return password; }

    public boolean ssl() { return ssl; }

    /** The TLS socket factory (for a private trust store), or null for the JVM default. */
    public SSLSocketFactory sslSocketFactory() { return sslSocketFactory; }

    /** The database index of a standalone server (a cluster has only database 0). */
    public int database() { return database; }

    /** Keys are {@code <keyPrefix>:<group>:<topic>:<id>}. */
    public String keyPrefix() { return keyPrefix; }

    public Duration connectTimeout() { return connectTimeout; }

    /** How long one command (or one pipelined batch) may wait for its reply. */
    public Duration socketTimeout() { return socketTimeout; }

    /** The most connections held per Redis node. */
    public int poolSize() { return poolSize; }

    /**
     * How many replicas must acknowledge each claim and completion before the store answers; 0 (the
     * default) answers as soon as the master has it. See {@link Builder#waitForReplicas}.
     */
    public int replicaAcks() { return replicaAcks; }

    /** How long a claim or completion waits for {@link #replicaAcks()} replicas. */
    public Duration replicaAckTimeout() { return replicaAckTimeout; }

    /** Where Redis runs, for messages: {@code host:port}, or the cluster's seed nodes. */
    public String describeEndpoint() {
        return isCluster() ? "Redis Cluster " + clusterNodes : "Redis at " + host + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisStoreConfig c && c.host.equals(host) && c.port == port
                && c.clusterNodes.equals(clusterNodes) && Objects.equals(c.user, user)
                && Objects.equals(c.password, password) && c.ssl == ssl && c.sslSocketFactory == sslSocketFactory
                && c.database == database && c.keyPrefix.equals(keyPrefix) && c.connectTimeout.equals(connectTimeout)
                && c.socketTimeout.equals(socketTimeout) && c.poolSize == poolSize && c.replicaAcks == replicaAcks
                && c.replicaAckTimeout.equals(replicaAckTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, clusterNodes, user, password, ssl, sslSocketFactory, database, keyPrefix,
                connectTimeout, socketTimeout, poolSize, replicaAcks, replicaAckTimeout);
    }

    /** Every setting but the password (masked); a TLS socket factory by its class name only. */
    @Override
    public String toString() {
        return "RedisStoreConfig{endpoint=" + (isCluster() ? "cluster " + clusterNodes : host + ":" + port)
                + ", user=" + (user == null ? "<default>" : user)
                + ", password=" + (password == null ? "<none>" : "****")
                + ", ssl=" + ssl + ", sslSocketFactory="
                + (sslSocketFactory == null ? "<default>" : sslSocketFactory.getClass().getSimpleName())
                + ", database=" + database + ", keyPrefix=" + keyPrefix
                + ", connectTimeout=" + connectTimeout + ", socketTimeout=" + socketTimeout
                + ", poolSize=" + poolSize + ", replicaAcks=" + replicaAcks + ", replicaAckTimeout=" + replicaAckTimeout
                + "}";
    }

    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private List<String> clusterNodes = new ArrayList<>();
        private String user;
        private String password;
        private boolean ssl;
        private SSLSocketFactory sslSocketFactory;
        private int database;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration socketTimeout = DEFAULT_SOCKET_TIMEOUT;
        private int poolSize = DEFAULT_POOL_SIZE;
        private int replicaAcks = DEFAULT_REPLICA_ACKS;
        private Duration replicaAckTimeout = DEFAULT_REPLICA_ACK_TIMEOUT;

        private Builder() {
        }

        /**
         * A standalone server from {@code redis://[[user]:password@]host[:port][/database]};
         * {@code rediss://} turns TLS on. Sets host, port, user, password, ssl and database.
         */
        public Builder uri(String uri) {
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException("uri must be redis://[[user]:password@]host[:port][/database], was " + uri);
            }
            URI parsed;
            try {
                parsed = new URI(uri.strip());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("uri is not a valid URI: " + RedisUris.masked(uri));
            }
            String scheme = parsed.getScheme();
            if (!"redis".equalsIgnoreCase(scheme) && !"rediss".equalsIgnoreCase(scheme) || parsed.isOpaque()) {
                throw new IllegalArgumentException("uri scheme must be redis or rediss (TLS), as in "
                        + "redis://host:port: it is missing or misspelled in " + RedisUris.masked(uri));
            }
            if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
                throw new IllegalArgumentException("uri takes no parameters (after ? or #): give the user and password "
                        + "as redis://user:password@host:port, or with user(...) and password(...); was "
                        + RedisUris.masked(uri));
            }
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("uri needs a host: " + RedisUris.masked(uri));
            }
            host(parsed.getHost());
            port(parsed.getPort() == -1 ? DEFAULT_PORT : parsed.getPort());
            ssl("rediss".equalsIgnoreCase(scheme));
            RedisUris.Credentials credentials = RedisUris.credentials(parsed.getUserInfo());
            this.user = credentials.user();
            this.password = credentials.password();
            database(RedisUris.database(parsed.getPath(), uri));
            return this;
        }

        public Builder host(String host) {
            RedisUris.requireNoUserInfo("host", host);
            if (host == null || host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("host must be a non-blank host name or address, was '" + host + "'");
            }
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = RedisUris.checkPort(port, "port");
            return this;
        }

        /** Redis Cluster seed nodes as {@code host:port}; at least one. Replaces any nodes set before. */
        public Builder clusterNodes(String... hostPorts) {
            Objects.requireNonNull(hostPorts, "hostPorts");
            return clusterNodes(List.of(hostPorts));
        }

        /** Redis Cluster seed nodes as {@code host:port}; at least one. Replaces any nodes set before. */
        public Builder clusterNodes(List<String> hostPorts) {
            if (hostPorts == null || hostPorts.isEmpty()) {
                throw new IllegalArgumentException("clusterNodes needs at least one host:port");
            }
            List<String> nodes = new ArrayList<>(hostPorts.size());
            for (String node : hostPorts) {
                nodes.add(RedisUris.checkHostPort(node));
            }
            this.clusterNodes = nodes;
            return this;
        }

        /** An ACL user with its password; {@code password} alone authenticates the default user. */
        public Builder user(String user) {
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("user must be a non-blank ACL user name");
            }
            this.user = user;
            return this;
        }

        public Builder password(String password) {
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("password must not be empty");
            }
            this.password = password;
            return this;
        }

        public Builder ssl(boolean ssl) {
            this.ssl = ssl;
            return this;
        }

        /** A TLS socket factory, e.g. from an SSLContext with a private trust store; implies {@code ssl(true)}. */
        public Builder sslSocketFactory(SSLSocketFactory sslSocketFactory) {
            this.sslSocketFactory = Objects.requireNonNull(sslSocketFactory, "sslSocketFactory");
            this.ssl = true;
            return this;
        }

        public Builder database(int database) {
            if (database < 0) {
                throw new IllegalArgumentException("database must be >= 0, was " + database);
            }
            this.database = database;
            return this;
        }

        public Builder keyPrefix(String keyPrefix) {
            if (keyPrefix == null || keyPrefix.isEmpty() || keyPrefix.length() > MAX_KEY_PREFIX_LENGTH
                    || keyPrefix.chars().anyMatch(c -> Character.isWhitespace(c) || c == '{' || c == '}')) {
                throw new IllegalArgumentException("keyPrefix must be 1-" + MAX_KEY_PREFIX_LENGTH
                        + " characters without whitespace or braces (braces would pin every key to one cluster slot),"
                        + " was '" + keyPrefix + "'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = RedisUris.checkTimeout(connectTimeout, "connectTimeout");
            return this;
        }

        public Builder socketTimeout(Duration socketTimeout) {
            this.socketTimeout = RedisUris.checkTimeout(socketTimeout, "socketTimeout");
            return this;
        }

        public Builder poolSize(int poolSize) {
            if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
                throw new IllegalArgumentException("poolSize must be in [1, " + MAX_POOL_SIZE + "], was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /**
         * Makes every claim and completion wait (Redis {@code WAIT}) until {@code replicas} replicas of its
         * master have it, for at most {@code timeout}; when fewer do, the call fails with a retriable
         * {@link dev.keel.StoreUnavailableException}, so the consumer does not act on a mark that a failover
         * could lose: it retries with the same owner token (and does not acknowledge the message meanwhile).
         * This closes the window of asynchronous replication in which a master that fails right after a
         * completion takes the done mark with it (a later copy of the message would run again); it costs a
         * wait for the replica on every batch. {@code replicas} 0 turns it off. The timeout must be shorter
         * than the {@link #socketTimeout socket timeout}, which bounds the wait's reply.
         */
        public Builder waitForReplicas(int replicas, Duration timeout) {
            if (replicas < 0 || replicas > MAX_REPLICA_ACKS) {
                throw new IllegalArgumentException("replicas must be in [0, " + MAX_REPLICA_ACKS + "], was " + replicas);
            }
            this.replicaAckTimeout = RedisUris.checkTimeout(timeout, "timeout");
            this.replicaAcks = replicas;
            return this;
        }

        public RedisStoreConfig build() {
            if (replicaAcks > 0 && replicaAckTimeout.compareTo(socketTimeout) >= 0) {
                throw new IllegalArgumentException("the replica wait timeout (" + replicaAckTimeout
                        + ") must be shorter than socketTimeout (" + socketTimeout + "), which bounds its reply");
            }
            if (!clusterNodes.isEmpty() && database != 0) {
                throw new IllegalArgumentException("database must be 0 with Redis Cluster (a cluster has only database 0), was "
                        + database);
            }
            if (user != null && password == null) {
                throw new IllegalArgumentException("user '" + user + "' needs a password");
            }
            if (sslSocketFactory != null && !ssl) {
                // a uri(redis://...) or ssl(false) after the factory turned TLS off: the password would go in clear
                throw new IllegalArgumentException("sslSocketFactory is set but TLS is off (a redis:// uri or "
                        + "ssl(false) given after it): use a rediss:// uri, or drop the factory");
            }
            return new RedisStoreConfig(this);
        }
    }
}
