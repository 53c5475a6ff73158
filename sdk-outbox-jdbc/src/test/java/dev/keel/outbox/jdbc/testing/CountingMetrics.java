package dev.keel.outbox.jdbc.testing;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** Counts the events reported to it, per event and topic; thread-safe. */
public final class CountingMetrics implements MetricsRecorder {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void count(MetricEvent event, String topic, String group) {
        counts.computeIfAbsent(event + "|" + topic, k -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        // not counted
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
        // not counted
    }

    /** How many times {@code event} was reported for {@code topic}. */
    public long count(MetricEvent event, String topic) {
        AtomicLong n = counts.get(event + "|" + topic);
        return n == null ? 0 : n.get();
    }

    /** How many times {@code event} was reported, for any topic. */
    public long count(MetricEvent event) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(event + "|"))
                .mapToLong(e -> e.getValue().get()).sum();
    }
}
