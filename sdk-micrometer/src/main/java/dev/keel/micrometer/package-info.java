/**
 * Keel's metrics in Micrometer: {@link dev.keel.micrometer.MicrometerMetrics} is a
 * {@link dev.keel.metrics.MetricsRecorder} that reports every {@link dev.keel.metrics.MetricEvent} as a
 * counter of a {@code MeterRegistry}. Only this module depends on Micrometer.
 */
package dev.keel.micrometer;
