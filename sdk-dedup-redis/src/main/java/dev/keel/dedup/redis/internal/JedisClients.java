package dev.keel.dedup.redis.internal;

import dev.keel.dedup.redis.RedisStoreConfig;
import java.util.LinkedHashSet;
import java.util.Set;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.ClusterConnectionProvider;

/** Builds the Jedis 8 client a {@link RedisStoreConfig} describes: {@link RedisClient} or {@link RedisClusterClient}. */
final class JedisClients {

    static final String CLIENT_NAME = "keel-dedup";

    private JedisClients() {
    }

    /** A standalone client; it connects lazily. */
    static UnifiedJedis standalone(RedisStoreConfig config) {
        return RedisClient.builder().hostAndPort(config.host(), config.port()).clientConfig(clientConfig(config))
                .poolConfig(poolConfig(config)).build();
    }

    /**
     * The connections of a cluster client, kept by the store to tell which node serves a key; reads the slot
     * map from a seed node now. The client made on it ({@link #cluster}) closes it.
     */
    static ClusterConnectionProvider clusterConnections(RedisStoreConfig config) {
        return new ClusterConnectionProvider(seedNodes(config), clientConfig(config), poolConfig(config));
    }

    /** A cluster client on {@code connections}, as Jedis would build it on its own. */
    static UnifiedJedis cluster(RedisStoreConfig config, ClusterConnectionProvider connections) {
        return RedisClusterClient.builder().nodes(seedNodes(config)).clientConfig(clientConfig(config))
                .poolConfig(poolConfig(config)).connectionProvider(connections).build();
    }

    // ssl(boolean) and sslSocketFactory(..) are deprecated in Jedis 8 for SslOptions, which cannot carry the
    // SSLSocketFactory that RedisStoreConfig accepts; moving to SslOptions is a config change, not a lint fix
    @SuppressWarnings("deprecation")
    static JedisClientConfig clientConfig(RedisStoreConfig config) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(Math.toIntExact(config.connectTimeout().toMillis()))
                .socketTimeoutMillis(Math.toIntExact(config.socketTimeout().toMillis()))
                .clientName(CLIENT_NAME)
                .database(config.database())
                .ssl(config.ssl());
        if (config.user() != null) {
            b.user(config.user());
        }
        if (config.password() != null) {
            b.password(config.password());
        }
        if (config.sslSocketFactory() != null) {
            b.sslSocketFactory(config.sslSocketFactory());
        }
        return b.build();
    }

    private static ConnectionPoolConfig poolConfig(RedisStoreConfig config) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(config.poolSize());
        pool.setMaxIdle(config.poolSize());
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        // never wait forever for a pooled connection: a stuck borrow would hang a consumer lane
        pool.setMaxWait(config.connectTimeout().plus(config.socketTimeout()));
        return pool;
    }

    private static Set<HostAndPort> seedNodes(RedisStoreConfig config) {
        Set<HostAndPort> nodes = new LinkedHashSet<>();
        for (String node : config.clusterNodes()) {
            nodes.add(HostAndPort.from(node));
        }
        return nodes;
    }
}
