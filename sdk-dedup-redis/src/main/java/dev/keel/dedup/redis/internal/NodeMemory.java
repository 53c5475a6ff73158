package dev.keel.dedup.redis.internal;

import java.util.List;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.CommandObject;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * What one Redis node says of how it keeps keys: its {@code maxmemory-policy} (from {@code INFO memory}, else
 * {@code CONFIG GET}) and how many keys it has evicted since it started ({@code evicted_keys} of
 * {@code INFO stats}). A value is null when the node refused the command (an ACL user without {@code +info} or
 * {@code +config|get}, or a managed Redis that disables it); {@code refusal} is then the first refusal.
 */
public record NodeMemory(String address, String policy, Long evictedKeys, RuntimeException refusal) {

    /** The one policy that never evicts a key. */
    public static final String NO_EVICTION = "noeviction";

    /** Whether the node may evict this store's keys: a policy other than {@link #NO_EVICTION}. */
    public boolean mayEvict() {
        return policy != null && !policy.equals(NO_EVICTION);
    }

    /**
     * Reads the node on {@code connection}; a refused command leaves its value null. A broken connection
     * throws (a Jedis exception).
     */
    static NodeMemory read(String address, Connection connection) {
        String policy = null;
        Long evicted = null;
        RuntimeException refusal = null;
        try {
            policy = field(info(connection, "memory"), "maxmemory_policy");
            String count = field(info(connection, "stats"), "evicted_keys");
            evicted = count == null ? null : Long.valueOf(count);
        } catch (JedisDataException e) {
            refusal = e;
        }
        if (policy == null) {
            try {
                List<String> reply = connection.executeCommand(new CommandObject<>(
                        new CommandArguments(Protocol.Command.CONFIG).add("GET").add("maxmemory-policy"),
                        BuilderFactory.STRING_LIST));
                policy = reply != null && reply.size() == 2 ? reply.get(1) : null;
            } catch (JedisDataException e) {
                refusal = refusal == null ? e : refusal;
            }
        }
        return new NodeMemory(address, policy, evicted, refusal);
    }

    private static String info(Connection connection, String section) {
        return connection.executeCommand(new CommandObject<>(new CommandArguments(Protocol.Command.INFO).add(section),
                BuilderFactory.STRING));
    }

    /** The value of {@code name} in an INFO reply ({@code name:value} lines), or null. */
    static String field(String info, String name) {
        if (info == null) {
            return null;
        }
        String prefix = name + ":";
        return info.lines().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()).trim())
                .findFirst().orElse(null);
    }
}
