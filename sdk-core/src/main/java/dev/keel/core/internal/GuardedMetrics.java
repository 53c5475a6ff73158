package dev.keel.core.internal;

import dev.keel.core.internal.util.ExtensionFailures;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The application's {@link MetricsRecorder} with each call guarded: an exception it throws is
 * counted and logged by {@link ExtensionFailures}, never seen by the step that reported the metric,
 * so a broken recorder cannot fail a handled message, a publish or a subscription's start.
 */
public final class GuardedMetrics implements MetricsRecorder {

    private final MetricsRecorder recorder;
    private final ExtensionFailures failures;

    private GuardedMetrics(MetricsRecorder recorder, ExtensionFailures failures) {
        this.recorder = recorder;
        this.failures = failures;
    }

    /** {@code recorder} guarded; the no-op recorder as it is. */
    public static MetricsRecorder of(MetricsRecorder recorder, ExtensionFailures failures) {
        if (recorder == MetricsRecorder.noop() || recorder instanceof GuardedMetrics) {
            return recorder;
        }
        return new GuardedMetrics(recorder, failures);
    }

    @Override
    public void count(MetricEvent event, String topic, String group) {
        failures.guard("MetricsRecorder.count", () -> recorder.count(event, topic, group));
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        failures.guard("MetricsRecorder.handlerLatency", () -> recorder.handlerLatency(topic, group, latency, success));
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
        failures.guard("MetricsRecorder.inFlight", () -> recorder.inFlight(topic, group, inFlight));
    }

    @Override
    public void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
        failures.guard("MetricsRecorder.gauge", () -> recorder.gauge(gauge, topic, group, value));
    }

    @Override
    public String toString() {
        return recorder.toString();
    }
}
