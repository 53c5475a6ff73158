package dev.keel.rabbit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Every handler run of a test's members: which member ran which message of which key, from when to
 * when ({@link System#nanoTime()}). Thread-safe.
 */
final class HandlerRuns {

    /** One handler run; {@code endNanos} is 0 while it runs. */
    static final class Run {
        final String member;
        final String id;
        final String key;
        final int seq;
        final long startNanos;
        volatile long endNanos;

        Run(String member, String id, String key, int seq, long startNanos) {
            this.member = member;
            this.id = id;
            this.key = key;
            this.seq = seq;
            this.startNanos = startNanos;
        }

        boolean overlaps(Run other) {
            long end = endNanos == 0 ? Long.MAX_VALUE : endNanos;
            long otherEnd = other.endNanos == 0 ? Long.MAX_VALUE : other.endNanos;
            return startNanos < otherEnd && other.startNanos < end;
        }

        @Override
        public String toString() {
            return member + ":" + id;
        }
    }

    private final List<Run> runs = new CopyOnWriteArrayList<>();

    /** Records the start of a run; call {@link #end} with the result when it returns. */
    Run start(String member, String id, String key, int seq) {
        Run run = new Run(member, id, key, seq, System.nanoTime());
        runs.add(run);
        return run;
    }

    void end(Run run) {
        run.endNanos = System.nanoTime();
    }

    List<Run> all() {
        return List.copyOf(runs);
    }

    List<Run> of(String member) {
        return runs.stream().filter(r -> r.member.equals(member)).toList();
    }

    /** The ids whose run ended on some member. */
    Set<String> handledIds() {
        return runs.stream().filter(r -> r.endNanos != 0).map(r -> r.id).collect(Collectors.toSet());
    }

    /** The runs of {@code member} that started after {@code nanos}. */
    List<Run> startedAfter(String member, long nanos) {
        return of(member).stream().filter(r -> r.startNanos - nanos > 0).toList();
    }

    /** When {@code member} started its first run, or -1. */
    long firstStart(String member) {
        return of(member).stream().mapToLong(r -> r.startNanos).min().orElse(-1);
    }

    /** Pairs of runs of one message on two members at the same time, as "a:id ~ b:id". */
    List<String> concurrentRunsOfOneMessage(List<Run> candidates) {
        List<String> found = new ArrayList<>();
        for (Run r : candidates) {
            for (Run other : runs) {
                if (other != r && !other.member.equals(r.member) && other.id.equals(r.id) && r.overlaps(other)) {
                    found.add(r + " ~ " + other);
                }
            }
        }
        return found;
    }

    /** How many times each id was run (all members). */
    Map<String, Long> timesPerId() {
        return runs.stream().collect(Collectors.groupingBy(r -> r.id, Collectors.counting()));
    }

    /**
     * Per key, the sequence numbers of {@code runs} in the order they started; keys whose sequence
     * goes back, each as "key: [...]".
     */
    static List<String> keysOutOfOrder(List<Run> runs) {
        Map<String, List<Integer>> byKey = runs.stream().sorted(Comparator.comparingLong(r -> r.startNanos))
                .collect(Collectors.groupingBy(r -> r.key, Collectors.mapping(r -> r.seq, Collectors.toList())));
        List<String> out = new ArrayList<>();
        byKey.forEach((key, seqs) -> {
            for (int i = 1; i < seqs.size(); i++) {
                if (seqs.get(i) < seqs.get(i - 1)) {
                    out.add(key + ": " + seqs);
                    return;
                }
            }
        });
        return out;
    }
}
