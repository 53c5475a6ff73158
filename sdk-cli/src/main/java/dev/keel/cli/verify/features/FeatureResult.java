package dev.keel.cli.verify.features;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** One workload's outcome: a summary line and its violations, each kind counted with a few examples. */
public final class FeatureResult {

    private static final int EXAMPLES = 5;

    private final FeatureKind feature;
    private final Map<FeatureViolation, Integer> counts = new EnumMap<>(FeatureViolation.class);
    private final Map<FeatureViolation, List<String>> examples = new EnumMap<>(FeatureViolation.class);
    private final List<String> notes = new ArrayList<>();
    private String summary = "";

    FeatureResult(FeatureKind feature) {
        this.feature = feature;
    }

    synchronized void violate(FeatureViolation kind, String example) {
        counts.merge(kind, 1, Integer::sum);
        List<String> some = examples.computeIfAbsent(kind, k -> new ArrayList<>());
        if (some.size() < EXAMPLES) {
            some.add(example);
        }
    }

    synchronized void summary(String line) {
        this.summary = line;
    }

    synchronized void note(String line) {
        notes.add(line);
    }

    public FeatureKind feature() {
        return feature;
    }

    public synchronized String summary() {
        return summary;
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    public synchronized boolean passed() {
        return counts.isEmpty();
    }

    /** How many violations of {@code kind}; 0 when none. */
    public synchronized int count(FeatureViolation kind) {
        return counts.getOrDefault(kind, 0);
    }

    /** Up to five example ids (with detail) of {@code kind}. */
    public synchronized List<String> examples(FeatureViolation kind) {
        return Collections.unmodifiableList(new ArrayList<>(examples.getOrDefault(kind, List.of())));
    }

    public synchronized Map<FeatureViolation, Integer> counts() {
        return Map.copyOf(counts);
    }
}
