package dev.keel.dedup.redis.internal;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Before the store's first claim: one script run that does what the store's scripts do ({@code SET}, {@code GET}
 * and {@code DEL} on a key under its prefix, by {@code EVALSHA}, then {@code EVAL} if the script is not cached),
 * so that an ACL user missing a command the scripts need is refused before anything is claimed. Otherwise a claim
 * (a plain {@code SET} on Redis 7.0 and later) would succeed and its handler run while no completion could ever
 * be written. Repeated until it succeeds once (a failure is thrown, as the claim's would be); then never again.
 * On a cluster the check's key is in the hash slot of the claim's first key (by a hash tag), so it runs on the
 * master that serves the claim: a master down elsewhere does not hold back claims that master could serve.
 */
public final class AccessCheck {

    /** KEYS[1] = a key of its own under the prefix; writes, reads and deletes it. Returns 1. */
    static final Script CHECK = Script.of("access-check", """
            redis.call('SET', KEYS[1], '1', 'PX', 10000)
            redis.call('GET', KEYS[1])
            redis.call('DEL', KEYS[1])
            return 1
            """);

    private static final int SLOTS = 16384;
    private static volatile String[] tagOfSlot;

    private final ScriptExecutor scripts;
    private final boolean cluster;
    private final String key;
    private final AtomicBoolean passed = new AtomicBoolean();

    public AccessCheck(ScriptExecutor scripts, String keyPrefix, boolean cluster) {
        this.scripts = scripts;
        this.cluster = cluster;
        this.key = keyPrefix + ":access-check:" + UUID.randomUUID();
    }

    /**
     * Runs the check unless it passed once, next to {@code claimKey} on a cluster; Jedis exceptions (a refusal,
     * an outage) pass through.
     */
    public void ensurePassed(String claimKey) {
        if (passed.get()) {
            return;
        }
        String key = cluster ? this.key + ":{" + tagFor(JedisClusterCRC16.getSlot(claimKey)) + "}" : this.key;
        // no wait for replicas: the check writes nothing that must survive
        Reply reply = scripts.runAll(CHECK, List.of(new Call(List.of(key), List.of())), false).get(0);
        if (reply.failed()) {
            throw reply.error();
        }
        passed.set(true);
    }

    /** A short string whose hash slot is {@code slot}: a hash tag that puts a key there. */
    private static String tagFor(int slot) {
        String[] tags = tagOfSlot;
        if (tags == null) {
            tags = new String[SLOTS];
            int found = 0;
            for (int i = 0; found < SLOTS; i++) {
                String tag = Integer.toString(i, 36);
                int at = JedisClusterCRC16.getSlot(tag);
                if (tags[at] == null) {
                    tags[at] = tag;
                    found++;
                }
            }
            tagOfSlot = tags;
        }
        return tags[slot];
    }
}
