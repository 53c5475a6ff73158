package dev.keel.cli.verify.features;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The effects a workload's handler applied: per id, the wall-clock time (epoch ms) of each. */
final class EffectTimes {

    private final Map<String, List<Long>> effects = new ConcurrentHashMap<>();

    void apply(String id, long atMillis) {
        effects.compute(id, (k, times) -> {
            List<Long> next = times == null ? new ArrayList<>(1) : times;
            next.add(atMillis);
            return next;
        });
    }

    int count(String id) {
        List<Long> times = effects.get(id);
        return times == null ? 0 : times.size();
    }

    /** The first effect's time, or -1 when none. */
    long first(String id) {
        List<Long> times = effects.get(id);
        return times == null ? -1 : times.stream().mapToLong(Long::longValue).min().orElse(-1);
    }

    boolean appliedAll(Collection<String> ids) {
        return ids.stream().allMatch(effects::containsKey);
    }

    /** Every effect applied so far, over all ids. */
    long total() {
        return effects.values().stream().mapToLong(List::size).sum();
    }
}
