package dev.keel.metrics;

import java.time.Duration;
import java.util.function.IntSupplier;

enum NoopMetrics implements MetricsRecorder {
    INSTANCE;

    @Override
    public void count(MetricEvent event, String topic, String group) {
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
    }
}
