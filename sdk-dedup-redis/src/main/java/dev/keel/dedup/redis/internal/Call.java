package dev.keel.dedup.redis.internal;

import java.util.List;

/** One script run: its keys (on a cluster, all in one hash slot) and its arguments. */
public record Call(List<String> keys, List<String> args) {

    public Call {
        keys = List.copyOf(keys);
        args = List.copyOf(args);
    }
}
