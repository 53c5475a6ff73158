package dev.keel.micrometer;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * Micrometer meters: counters {@code keel.<event>} (for example {@code keel.dead_lettered}), the
 * timer {@code keel.handler} with an {@code outcome} tag, the gauge {@code keel.in_flight}, and the
 * progress gauges {@code keel.<gauge>} (for example {@code keel.busy_waiting}, see {@link MetricGauge}); all
 * tagged {@code topic} and, for consumers, {@code group}. Gauges hold their value source strongly. Needs {@code io.micrometer:micrometer-core}
 * on the class path (an optional dependency).
 */
public final class MicrometerMetrics implements MetricsRecorder {

    private final MeterRegistry registry;

    public MicrometerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void count(MetricEvent event, String topic, String group) {
        Counter.builder("keel." + event.name().toLowerCase(Locale.ROOT)).tags(tags(topic, group))
                .register(registry).increment();
    }

    @Override
    public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        Timer.builder("keel.handler").tags(tags(topic, group)).tag("outcome", success ? "success" : "failure")
                .register(registry).record(latency);
    }

    @Override
    public void inFlight(String topic, String group, IntSupplier inFlight) {
        register("keel.in_flight", topic, group, inFlight);
    }

    @Override
    public void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
        register("keel." + gauge.name().toLowerCase(Locale.ROOT), topic, group, value);
    }

    private void register(String name, String topic, String group, IntSupplier value) {
        // strongly held: the supplier is usually a method reference nobody else keeps, which a weak gauge would lose
        Gauge.builder(name, value, s -> s.getAsInt()).tags(tags(topic, group)).strongReference(true)
                .register(registry);
    }

    private static Tags tags(String topic, String group) {
        return group == null ? Tags.of("topic", topic) : Tags.of("topic", topic, "group", group);
    }
}
