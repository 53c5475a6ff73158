package dev.keel.cli.verify;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * One consumer taken away during a run, a crash or a dropped broker session (channel-close), and
 * what followed: which ids were between their effect and being marked done at that moment (the
 * crash window) and how long until the messages it had in flight were all accounted for again.
 */
final class ConsumerDisruption {

    private final int round;
    private final FaultKind kind;
    private final int generation;
    private final String trigger;
    private final long atNanos;
    private final Map<String, String> window;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private volatile int inFlight = -1;
    private volatile long recoveredNanos = -1;

    /**
     * @param window ids (to their keys) whose effect the consumer had applied and not yet marked done
     */
    ConsumerDisruption(int round, FaultKind kind, int generation, String trigger, long atNanos,
                       Map<String, String> window) {
        this.round = round;
        this.kind = kind;
        this.generation = generation;
        this.trigger = trigger;
        this.atNanos = atNanos;
        this.window = Map.copyOf(window);
    }

    /** The messages delivered and not yet accounted for when the consumer went away. */
    void inFlight(Set<String> ids) {
        pending.addAll(ids);
        inFlight = ids.size();
    }

    /** Marks it recovered once every message it had in flight is accounted for. */
    void updateRecovery(Predicate<String> accounted, long nowNanos) {
        if (recoveredNanos >= 0 || inFlight < 0) {
            return;
        }
        pending.removeIf(accounted);
        if (pending.isEmpty()) {
            recoveredNanos = nowNanos;
        }
    }

    int round() {
        return round;
    }

    FaultKind kind() {
        return kind;
    }

    int generation() {
        return generation;
    }

    String trigger() {
        return trigger;
    }

    /** The ids in the crash window, to their keys (empty for a channel-close: its handlers run on). */
    Map<String, String> window() {
        return window;
    }

    /** Messages in flight when it happened; -1 before that was recorded. */
    int inFlight() {
        return Math.max(0, inFlight);
    }

    /** From the disruption until its in-flight messages were all accounted for; {@code null}: not (yet). */
    Duration recovery() {
        long at = recoveredNanos;
        return at < 0 ? null : Duration.ofNanos(at - atNanos);
    }
}
