package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.UrlPasswords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * The Redis of {@code --redis}: one server, {@code redis[s]://[user:password@]host[:port][/db]}, or a
 * Redis Cluster by its seed nodes, {@code redis[s]://[user:password@]host:port,host:port,...} (or one
 * node with {@code --redis-cluster}).
 *
 * @param scheme   {@code redis} or {@code rediss}
 * @param userInfo the raw {@code user:password} part, or {@code null}
 * @param hosts    {@code host:port} of each node named, at least one
 * @param path     the raw path ({@code /db}), or empty
 * @param cluster  whether the nodes are a Redis Cluster's
 */
record RedisTarget(String scheme, String userInfo, List<String> hosts, String path, boolean cluster) {

    static final String FORM = "redis://host:port (or rediss:// for TLS, redis://user:password@host:port/db for "
            + "AUTH; a Redis Cluster by its nodes: redis://host:port,host:port,...)";

    RedisTarget {
        hosts = List.copyOf(hosts);
    }

    /** How many hosts the URI names; 1 when it cannot tell (the parse reports the problem). */
    static int hostCount(String uri) {
        try {
            return parse(uri, false).hosts().size();
        } catch (EnvironmentException e) {
            return 1;
        }
    }

    static RedisTarget parse(String uri, boolean cluster) {
        String value = uri == null ? "" : uri.strip();
        int schemeEnd = value.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : value.substring(0, schemeEnd);
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw bad(uri);
        }
        String rest = value.substring(schemeEnd + 3);
        int authorityEnd = rest.indexOf('/');
        String authority = authorityEnd < 0 ? rest : rest.substring(0, authorityEnd);
        String path = authorityEnd < 0 ? "" : rest.substring(authorityEnd);
        int at = authority.lastIndexOf('@');
        String userInfo = at < 0 ? null : authority.substring(0, at);
        List<String> hosts = new ArrayList<>();
        for (String host : authority.substring(at + 1).split(",", -1)) {
            String h = host.strip();
            int colon = h.lastIndexOf(':');
            if (h.isEmpty() || colon == 0 || h.contains("?")) {
                throw bad(uri);
            }
            if (colon < 0) {
                h = h + ":" + StoreChoice.DEFAULT_REDIS_PORT;
            } else {
                try {
                    int port = Integer.parseInt(h.substring(colon + 1));
                    if (port < 1 || port > 65535) {
                        throw bad(uri);
                    }
                } catch (NumberFormatException e) {
                    throw bad(uri);
                }
            }
            hosts.add(h);
        }
        boolean isCluster = cluster || hosts.size() > 1;
        if (isCluster && !path.isEmpty() && !"/".equals(path) && !"/0".equals(path)) {
            throw new EnvironmentException("--redis: a Redis Cluster has only database 0; leave the /"
                    + path.substring(1) + " out of " + Endpoints.redact(uri));
        }
        return new RedisTarget(scheme, userInfo, hosts, path, isCluster);
    }

    /** The store configuration; with {@code waitReplicas} above 0 each claim and completion waits for them. */
    RedisStoreConfig config(int waitReplicas, Duration waitTimeout) {
        return config(waitReplicas, waitTimeout, null);
    }

    /**
     * As {@link #config(int, Duration)}; over {@code rediss://} with {@code sslSocketFactory} (null: the JVM's trust
     * store) for the TLS connections.
     */
    RedisStoreConfig config(int waitReplicas, Duration waitTimeout, SSLSocketFactory sslSocketFactory) {
        RedisStoreConfig.Builder b = RedisStoreConfig.custom()
                .uri(scheme + "://" + (userInfo != null ? userInfo + "@" : "") + hosts.get(0)
                        + (cluster ? "" : path));
        if (cluster) {
            b.clusterNodes(hosts);
        }
        if (sslSocketFactory != null && "rediss".equals(scheme)) {
            b.sslSocketFactory(sslSocketFactory);
        }
        return b.waitForReplicas(waitReplicas, waitTimeout).build();
    }

    /** Where it is, for the report: never credentials. */
    String description() {
        return (cluster ? "Redis Cluster " : "") + scheme + "://" + String.join(",", hosts) + (cluster ? "" : path);
    }

    /** The URI refused, shown masked whatever its shape ({@link UrlPasswords#maskRefused}): never a password. */
    private static EnvironmentException bad(String uri) {
        return new EnvironmentException("--redis must be a URI like " + FORM + ", was '"
                + (uri == null ? "" : UrlPasswords.maskRefused(uri)) + "'");
    }
}
