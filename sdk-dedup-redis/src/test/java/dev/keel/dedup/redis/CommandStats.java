package dev.keel.dedup.redis;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import redis.clients.jedis.RedisClient;

/** The commands a Redis server ran, from its own {@code INFO commandstats}: name → calls. */
final class CommandStats {

    private CommandStats() {
    }

    static Map<String, Long> calls(RedisClient raw) {
        return Arrays.stream(raw.info("commandstats").split("\r?\n")).filter(l -> l.startsWith("cmdstat_"))
                .collect(Collectors.toMap(l -> l.substring("cmdstat_".length(), l.indexOf(':')),
                        l -> Long.parseLong(l.substring(l.indexOf("calls=") + 6, l.indexOf(',', l.indexOf("calls=")))),
                        Long::sum, HashMap::new));
    }

    /** The script runs (EVAL and EVALSHA) the server has counted. */
    static long scriptRuns(RedisClient raw) {
        Map<String, Long> calls = calls(raw);
        return calls.getOrDefault("eval", 0L) + calls.getOrDefault("evalsha", 0L);
    }
}
