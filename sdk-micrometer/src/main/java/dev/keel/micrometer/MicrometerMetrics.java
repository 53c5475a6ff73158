package dev.keel.micrometer;

import dev.keel.metrics.MetricEvent;
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
 * timer {@code keel.handler} with an {@code outcome} tag, and the gauge {@code keel.in_flight}; all
 * tagged {@code topic} and, for consumers, {@code group}. Needs {@code io.micrometer:micrometer-core}
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
        Gauge.builder("keel.in_flight", inFlight, s -> s.getAsInt()).tags(tags(topic, group)).register(registry);
    }

    private static Tags tags(String topic, String group) {
        return group == null ? Tags.of("topic", topic) : Tags.of("topic", topic, "group", group);
    }
}
