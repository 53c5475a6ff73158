package dev.keel.testkit.contract;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** Counts the engine's events, so the suite can wait for work it cannot see at the broker (skipped duplicates). */
final class CountingMetrics implements MetricsRecorder {

    private final Map<MetricEvent, AtomicLong> counts = new EnumMap<>(MetricEvent.class);

    CountingMetrics() {
        for (MetricEvent event : MetricEvent.values()) {
            counts.put(event, new AtomicLong());
        }
    }

    @Override
    public void count(MetricEvent event, String topic, String group) {
        counts.get(event).incrementAndGet();
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        // not needed by the suite
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
        // not needed by the suite
    }

    long count(MetricEvent event) {
        return counts.get(event).get();
    }
}
