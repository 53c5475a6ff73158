package dev.keel.cli;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** Counts Keel's metric events per topic, for the reports. */
public final class CountingMetrics implements MetricsRecorder {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void count(MetricEvent event, String topic, String group) {
        counts.computeIfAbsent(event + "@" + topic, k -> new LongAdder()).increment();
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
    }

    public long count(MetricEvent event, String topic) {
        LongAdder adder = counts.get(event + "@" + topic);
        return adder == null ? 0 : adder.sum();
    }
}
