/**
 * Metrics: the {@link dev.keel.metrics.MetricEvent}s Keel counts and the
 * {@link dev.keel.metrics.MetricsRecorder} it reports them to. No metrics library is needed here:
 * {@link dev.keel.metrics.MetricsRecorder#noop()} discards, and the {@code sdk-micrometer} module reports to
 * Micrometer.
 */
package dev.keel.metrics;
