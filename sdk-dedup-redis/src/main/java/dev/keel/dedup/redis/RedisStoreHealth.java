package dev.keel.dedup.redis;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How the Redis behind a {@link RedisIdempotencyStore} keeps keys, node by node (the one server, or each master
 * of a cluster), for health checks and diagnostics ({@link RedisIdempotencyStore#health()}). Every key of the
 * store has a TTL, so any {@code maxmemory-policy} but {@code noeviction} may drop done marks under memory
 * pressure, and duplicates then run again: {@link #mayEvict()}. {@link #evictedKeys()} says whether Redis has
 * actually evicted keys; Redis counts them per server since it started, whichever application wrote them.
 *
 * @param nodes one entry per master
 */
public record RedisStoreHealth(List<Node> nodes) {

    /** The one {@code maxmemory-policy} that never evicts a key. */
    public static final String NO_EVICTION = "noeviction";

    public RedisStoreHealth {
        nodes = List.copyOf(nodes);
    }

    /** Whether some master's policy may evict the store's keys. */
    public boolean mayEvict() {
        return nodes.stream().anyMatch(Node::mayEvict);
    }

    /** The keys evicted since they started, summed over the masters that report it (0 if none does). */
    public long evictedKeys() {
        return nodes.stream().mapToLong(n -> n.evictedKeys().orElse(0)).sum();
    }

    /**
     * One master.
     *
     * @param address        {@code host:port}
     * @param evictionPolicy its {@code maxmemory-policy}; empty when it refused to tell ({@code INFO} and
     *                       {@code CONFIG GET} not granted to the store's user, or disabled)
     * @param evictedKeys    the keys it has evicted since it started ({@code evicted_keys} of {@code INFO stats});
     *                       empty when it refused to tell
     */
    public record Node(String address, Optional<String> evictionPolicy, OptionalLong evictedKeys) {

        public Node {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(evictionPolicy, "evictionPolicy");
            Objects.requireNonNull(evictedKeys, "evictedKeys");
        }

        /** Whether its policy may evict the store's keys: known, and not {@code noeviction}. */
        public boolean mayEvict() {
            return evictionPolicy.filter(p -> !p.equals(NO_EVICTION)).isPresent();
        }
    }
}
