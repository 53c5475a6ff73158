package dev.keel.cli.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The side effects of verify's handler: how many times each id's effect was applied, and for each
 * key the effects in the order they were applied. {@link GuaranteeCheck} judges them afterwards (a
 * repeat may be one the crash window admits; the expected order may be the broker's). Thread-safe.
 */
public final class EffectLedger {

    /**
     * One effect applied.
     *
     * @param id     the message id
     * @param seq    its sequence number on its key
     * @param repeat whether the id's effect had been applied before
     * @param where  which consumer applied it, from which partition and delivery attempt (for the report), or ""
     */
    public record Applied(String id, int seq, boolean repeat, String where) {
    }

    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, List<Applied>> byKey = new ConcurrentHashMap<>();

    /** Applies the effect of message {@code id}, the {@code seq}-th message of {@code key}. */
    public void apply(String id, String key, int seq) {
        apply(id, key, seq, "");
    }

    /** As {@link #apply(String, String, int)}, saying where it was applied (consumer, partition, attempt). */
    public void apply(String id, String key, int seq, String where) {
        List<Applied> events = byKey.computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (events) {
            int times = effects.computeIfAbsent(id, x -> new AtomicInteger()).incrementAndGet();
            events.add(new Applied(id, seq, times > 1, where));
        }
    }

    /** Whether the effect of {@code id} was applied at least once. */
    public boolean applied(String id) {
        return effects.containsKey(id);
    }

    /** How many times the effect of {@code id} was applied. */
    public int times(String id) {
        AtomicInteger n = effects.get(id);
        return n == null ? 0 : n.get();
    }

    /** Distinct ids applied. */
    public int distinctApplied() {
        return effects.size();
    }

    /** Every effect applied, repeats included. */
    public long totalApplied() {
        return effects.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    /** The ids applied more than once, sorted. */
    public Set<String> duplicatedIds() {
        Set<String> ids = new TreeSet<>();
        effects.forEach((id, n) -> {
            if (n.get() > 1) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** The keys with at least one effect. */
    public Set<String> keys() {
        return Set.copyOf(byKey.keySet());
    }

    /** The effects of {@code key}, in the order they were applied. */
    public List<Applied> events(String key) {
        List<Applied> events = byKey.get(key);
        if (events == null) {
            return List.of();
        }
        synchronized (events) {
            return List.copyOf(events);
        }
    }
}
