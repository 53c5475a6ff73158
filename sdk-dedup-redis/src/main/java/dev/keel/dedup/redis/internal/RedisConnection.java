package dev.keel.dedup.redis.internal;

import dev.keel.ClosedException;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.DaemonThreads;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

/**
 * The one Jedis client of a store, made on first use (so that a store can be created while Redis is
 * down, and a cluster whose seed nodes were away is found later), and the threads a cluster
 * pipeline uses to talk to its nodes in parallel. Thread-safe.
 */
public final class RedisConnection implements AutoCloseable {

    /** Threads that sync a cluster pipeline's per-node parts in parallel. */
    static final int DEFAULT_PIPELINE_THREADS = 4;
    static final Duration TOPOLOGY_REFRESH_INTERVAL = Duration.ofMillis(500);

    private static final Object STANDALONE = "standalone";

    private final RedisStoreConfig config;
    private final ExecutorService pipelineThreads;
    private volatile UnifiedJedis client;
    /** A cluster client's connections (null for a standalone server): which node serves a slot. */
    private volatile ClusterConnectionProvider clusterConnections;
    private volatile boolean closed;
    private final AtomicLong lastTopologyRefresh = new AtomicLong(System.nanoTime() - TOPOLOGY_REFRESH_INTERVAL.toNanos());

    public RedisConnection(RedisStoreConfig config) {
        this.config = config;
        this.pipelineThreads = config.isCluster()
                ? Executors.newFixedThreadPool(DEFAULT_PIPELINE_THREADS, DaemonThreads.named("keel-redis-pipeline"))
                : null;
    }

    public RedisStoreConfig config() {
        return config;
    }

    /** The client; throws a Jedis exception if a cluster cannot be reached to be discovered. */
    public UnifiedJedis client() {
        UnifiedJedis c = client;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (closed) {
                throw new ClosedException("the Redis idempotency store is closed");
            }
            if (client == null) {
                if (config.isCluster()) {
                    ClusterConnectionProvider connections = JedisClients.clusterConnections(config);
                    try {
                        client = JedisClients.cluster(config, connections);
                    } catch (RuntimeException e) {
                        connections.close();
                        throw e;
                    }
                    clusterConnections = connections;
                } else {
                    client = JedisClients.standalone(config);
                }
            }
            return client;
        }
    }

    /** A new pipeline; a cluster pipeline groups its commands by node and syncs the nodes in parallel. */
    public AbstractPipeline pipeline() {
        UnifiedJedis c = client();
        if (c instanceof RedisClusterClient cluster) {
            return cluster.pipelined(pipelineThreads);
        }
        return c.pipelined();
    }

    /**
     * The node whose connection a pipeline uses for {@code key}, as the cluster's slot map says now
     * (the pipeline routes by the same map); one and the same for every key of a standalone server.
     */
    public Object nodeOf(String key) {
        client();
        ClusterConnectionProvider connections = clusterConnections;
        return connections == null ? STANDALONE : connections.getNode(JedisClusterCRC16.getSlot(key));
    }

    /**
     * A pooled connection to the cluster node at {@code node} (an ASK redirection's target, which the slot map
     * does not name for the key); the caller closes it, which gives it back to its pool.
     */
    public Connection connectionTo(HostAndPort node) {
        client();
        ClusterConnectionProvider connections = clusterConnections;
        if (connections == null) {
            throw new IllegalStateException("a standalone server redirects nothing");
        }
        return connections.getConnection(node);
    }

    /**
     * The connection pool of each master, by {@code host:port}: the one server, or every master a cluster's slot
     * map names now.
     */
    public Map<String, Pool<Connection>> masters() {
        UnifiedJedis c = client();
        Map<String, Pool<Connection>> masters = new LinkedHashMap<>();
        if (c instanceof RedisClient standalone) {
            masters.put(config.host() + ":" + config.port(), standalone.getPool());
        } else {
            masters.putAll(clusterConnections.getPrimaryNodesConnectionMap());
        }
        return masters;
    }

    public boolean isCluster() {
        return config.isCluster();
    }

    /** Re-reads the cluster's slot map, after a MOVED reply; nothing for a standalone server. */
    public void refreshTopology() {
        if (client() instanceof RedisClusterClient cluster) {
            cluster.refreshClusterTopology();
        }
    }

    /**
     * After a failed call: drops idle connections (they may be broken), and on a cluster reloads which node
     * serves which slot, at most once per {@link #TOPOLOGY_REFRESH_INTERVAL}. A master that died is answered
     * by its promoted replica only once the slots are reloaded: a failed connection brings no redirect.
     */
    public void afterFailure() {
        discardIdleConnections();
        if (!isCluster()) {
            return;
        }
        long now = System.nanoTime();
        long last = lastTopologyRefresh.get();
        if (now - last >= TOPOLOGY_REFRESH_INTERVAL.toNanos() && lastTopologyRefresh.compareAndSet(last, now)) {
            try {
                refreshTopology();
            } catch (RuntimeException ignored) {
                // no node answered: the next failure tries again
            }
        }
    }

    /**
     * Drops idle pooled connections: once Redis is back (a restart closes every socket) the next command opens
     * a fresh connection instead of failing once per stale one.
     */
    public void discardIdleConnections() {
        UnifiedJedis c = client;
        try {
            if (c instanceof RedisClient standalone) {
                standalone.getPool().clear();
            } else if (c instanceof RedisClusterClient cluster) {
                cluster.getClusterNodes().values().forEach(ConnectionPool::clear);
            }
        } catch (RuntimeException ignored) {
            // best effort: a pool being closed or rebuilt has nothing worth clearing
        }
    }

    @Override
    public void close() {
        UnifiedJedis c;
        synchronized (this) {
            closed = true;
            c = client;
            client = null;
        }
        if (c != null) {
            c.close();
        }
        if (pipelineThreads != null) {
            pipelineThreads.shutdownNow();
        }
    }
}
