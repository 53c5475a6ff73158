package dev.keel.metrics;

import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Where Keel reports what it does. {@code group} is {@code null} for publish-side events.
 * {@code dev.keel.micrometer.MicrometerMetrics} (module {@code sdk-micrometer}) reports to Micrometer; {@link #noop()} discards.
 */
public interface MetricsRecorder {

    void count(MetricEvent event, String topic, String group);

    void handlerLatency(String topic, String group, Duration latency, boolean success);

    /** Registers a live in-flight count for a subscription. */
    void inFlight(String topic, String group, IntSupplier inFlight);

    /**
     * Registers a live value of a subscription, read whenever the metrics are collected; once per
     * gauge and subscription. The default discards it, so existing recorders need not change.
     */
    default void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
    }

    static MetricsRecorder noop() {
        return NoopMetrics.INSTANCE;
    }
}
