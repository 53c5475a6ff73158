package dev.keel.testkit.contract;

import dev.keel.Delivery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The side effects handlers of a contract test performed: how often each message id was applied,
 * and per ordering key the order ids were applied in. Thread-safe.
 */
final class Effects {

    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, List<String>> perKey = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /** Applies the effect of {@code delivery}. */
    void apply(Delivery<?> delivery) {
        String key = delivery.key() == null ? "" : delivery.key();
        List<String> sequence = perKey.computeIfAbsent(key, k -> new ArrayList<>());
        synchronized (sequence) {
            sequence.add(delivery.id());
        }
        counts.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
    }

    int count(String id) {
        AtomicInteger count = counts.get(id);
        return count == null ? 0 : count.get();
    }

    int total() {
        return total.get();
    }

    Set<String> ids() {
        return Set.copyOf(counts.keySet());
    }

    boolean appliedAll(Collection<String> ids) {
        return counts.keySet().containsAll(ids);
    }

    /** Ids applied more than once, with their counts. */
    Map<String, Integer> repeated() {
        Map<String, Integer> repeated = new TreeMap<>();
        counts.forEach((id, count) -> {
            if (count.get() > 1) {
                repeated.put(id, count.get());
            }
        });
        return repeated;
    }

    /** The ids of {@code key} in the order their effects were applied. */
    List<String> sequenceOf(String key) {
        List<String> sequence = perKey.getOrDefault(key, List.of());
        synchronized (sequence) {
            return List.copyOf(sequence);
        }
    }

    /** Of {@code expected}, those never applied. */
    List<String> missing(Collection<String> expected) {
        return expected.stream().filter(id -> !counts.containsKey(id)).sorted().toList();
    }
}
