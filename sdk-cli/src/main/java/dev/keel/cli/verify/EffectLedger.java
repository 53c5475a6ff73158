package dev.keel.cli.verify;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The side effects of verify's handler: how many times each id's effect was applied, and for each
 * key the highest sequence number applied so far. A second effect of an id is a duplicate; an
 * effect of a new id with a lower sequence number than one already applied on its key is out of
 * order. Thread-safe.
 */
public final class EffectLedger {

    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, Integer> lastSeqByKey = new ConcurrentHashMap<>();
    private final Violations violations;

    public EffectLedger(Violations violations) {
        this.violations = violations;
    }

    /** Applies the effect of message {@code id}, the {@code seq}-th message of {@code key}. */
    public void apply(String id, String key, int seq) {
        int times = effects.computeIfAbsent(id, x -> new AtomicInteger()).incrementAndGet();
        if (times > 1) {
            violations.add(ViolationKind.DUPLICATE_EFFECT, id + " applied " + times + " times");
            return;
        }
        lastSeqByKey.compute(key, (k, last) -> {
            if (last != null && seq < last) {
                violations.add(ViolationKind.OUT_OF_ORDER,
                        "key " + key + ": seq " + seq + " (" + id + ") applied after seq " + last);
                return last;
            }
            return seq;
        });
    }

    public boolean applied(String id) {
        return effects.containsKey(id);
    }

    /** Distinct ids applied. */
    public int distinctApplied() {
        return effects.size();
    }

    /** Every effect applied, duplicates included. */
    public long totalApplied() {
        return effects.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    public Set<String> appliedIds() {
        return effects.keySet();
    }

    /** The ids applied more than once. */
    public Set<String> duplicatedIds() {
        Set<String> ids = new java.util.TreeSet<>();
        effects.forEach((id, n) -> {
            if (n.get() > 1) {
                ids.add(id);
            }
        });
        return ids;
    }
}
