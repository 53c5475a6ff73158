package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Splits a batch of keys into the groups that one script run may cover: on a standalone server
 * consecutive runs of at most {@code maxKeys} keys; on a cluster the keys of one hash slot (a script
 * may only touch keys of one slot), again at most {@code maxKeys} per group. Indexes keep the batch's
 * order within a group, so a key listed twice is seen in order by one script run.
 */
public final class KeyGroups {

    /** Keys per script run: bounds how long one run holds Redis (well under a millisecond). */
    public static final int DEFAULT_MAX_KEYS = 512;

    private KeyGroups() {
    }

    /** The groups, each a list of indexes into {@code keys}; every index appears in exactly one group. */
    public static List<List<Integer>> of(List<String> keys, boolean bySlot, int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be >= 1, was " + maxKeys);
        }
        Map<Integer, List<Integer>> bySlotIndexes = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            int slot = bySlot ? JedisClusterCRC16.getSlot(keys.get(i)) : 0;
            bySlotIndexes.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> groups = new ArrayList<>();
        for (List<Integer> indexes : bySlotIndexes.values()) {
            for (int from = 0; from < indexes.size(); from += maxKeys) {
                groups.add(List.copyOf(indexes.subList(from, Math.min(indexes.size(), from + maxKeys))));
            }
        }
        return groups;
    }
}
