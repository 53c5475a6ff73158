package dev.keel.testkit.engine;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** A metrics recorder that counts the engine's events, for tests that wait for what they cannot see otherwise. */
final class EventCounts implements MetricsRecorder {

    private final Map<MetricEvent, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public void count(MetricEvent event, String topic, String group) {
        counts.computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
    }

    /** How many times {@code event} was counted, on any topic. */
    int of(MetricEvent event) {
        return counts.computeIfAbsent(event, e -> new AtomicInteger()).get();
    }
}
