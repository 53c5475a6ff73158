package dev.keel.dedup.redis.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.util.Pool;

/**
 * Reads each master's memory policy ({@link NodeMemory}): once, after the store first reached Redis, to warn
 * about a policy that evicts keys (every key of the store has a TTL, so {@code volatile-*} and {@code allkeys-*}
 * policies drop done marks under memory pressure, and duplicates run again), and on demand for a health
 * snapshot. Best effort: a node that refuses the commands is not checked (one INFO line says so). A master
 * that could not be reached is checked again after a later call that reached Redis, at most once per
 * {@link #RETRY_INTERVAL}: the check runs on the caller's thread, and a master that is down would otherwise
 * cost every call a connect timeout.
 */
public final class EvictionPolicyCheck {

    /** The least time between two attempts to check the masters that could not be reached. */
    static final Duration RETRY_INTERVAL = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(EvictionPolicyCheck.class);

    private final RedisConnection connection;
    private final Set<String> checked = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile boolean done;
    private volatile long nextAttemptNanos = System.nanoTime();

    public EvictionPolicyCheck(RedisConnection connection) {
        this.connection = connection;
    }

    /**
     * Checks every master not checked yet, unless all were, or an attempt is under way (the caller goes on at
     * once), or the last attempt left a master unreached less than {@link #RETRY_INTERVAL} ago.
     */
    public void once() {
        if (done || System.nanoTime() - nextAttemptNanos < 0 || !checking.compareAndSet(false, true)) {
            return;
        }
        try {
            boolean all = true;
            for (Map.Entry<String, Pool<Connection>> master : connection.masters().entrySet()) {
                if (checked.contains(master.getKey())) {
                    continue;
                }
                try (Connection c = master.getValue().getResource()) {
                    report(NodeMemory.read(master.getKey(), c));
                    checked.add(master.getKey());
                } catch (RuntimeException e) {
                    all = false;
                    log.debug("Could not read the memory policy of Redis at {}; trying again later", master.getKey(), e);
                }
            }
            if (all) {
                done = true;
            } else {
                nextAttemptNanos = System.nanoTime() + RETRY_INTERVAL.toNanos();
            }
        } catch (RuntimeException e) {
            log.debug("Could not list the masters of {}; trying again later", connection.config().describeEndpoint(), e);
            nextAttemptNanos = System.nanoTime() + RETRY_INTERVAL.toNanos();
        } finally {
            checking.set(false);
        }
    }

    /** Each master's policy and eviction count, now; a Jedis exception if a master cannot be reached. */
    public List<NodeMemory> read() {
        List<NodeMemory> nodes = new ArrayList<>();
        for (Map.Entry<String, Pool<Connection>> master : connection.masters().entrySet()) {
            try (Connection c = master.getValue().getResource()) {
                nodes.add(NodeMemory.read(master.getKey(), c));
            }
        }
        return nodes;
    }

    private static void report(NodeMemory node) {
        if (node.mayEvict()) {
            log.warn("Redis at {} runs maxmemory-policy {}: under memory pressure it evicts keys, and every key of the"
                    + " idempotency store has a TTL, so done marks and leases can vanish and duplicates run again{};"
                    + " set maxmemory-policy noeviction on the store's Redis (a full Redis then refuses writes and"
                    + " consumers pause)", node.address(), node.policy(),
                    node.evictedKeys() == null || node.evictedKeys() == 0 ? ""
                            : " (it has evicted " + node.evictedKeys() + " keys since it started)");
        } else if (node.policy() == null) {
            log.info("Could not read the maxmemory-policy of Redis at {} ({}): make sure it is noeviction (an"
                    + " evicting policy drops done marks); to let the store check it, grant its user +info or"
                    + " +config|get", node.address(), node.refusal() == null ? "not reported" : node.refusal().getMessage());
        }
    }
}
