package dev.keel.cli.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Violations found, counted by kind, with the first few examples of each. Thread-safe. */
public final class Violations {

    static final int EXAMPLES_PER_KIND = 5;

    private final Map<ViolationKind, Long> counts = new EnumMap<>(ViolationKind.class);
    private final Map<ViolationKind, List<String>> examples = new EnumMap<>(ViolationKind.class);

    public synchronized void add(ViolationKind kind, String example) {
        counts.merge(kind, 1L, Long::sum);
        List<String> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
        if (list.size() < EXAMPLES_PER_KIND) {
            list.add(example);
        }
    }

    public synchronized long count(ViolationKind kind) {
        return counts.getOrDefault(kind, 0L);
    }

    public synchronized long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public synchronized List<String> examples(ViolationKind kind) {
        return List.copyOf(examples.getOrDefault(kind, Collections.emptyList()));
    }
}
