package dev.keel.core.internal.chain;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What the steps of one subscription's chain share: its group, the engine's clock and metrics, its
 * {@link Delays} (backoffs on its handler threads) and whether it stopped (closed or crashed).
 *
 * @param group   the subscription's consumer group, the metrics' tag
 * @param engine  the engine's clock, scheduler and metrics
 * @param delays  waits that end on the subscription's handler threads
 * @param stopped true once the subscription closed or crashed: no step starts anything more
 */
public record StepContext(String group, EngineContext engine, Delays delays, BooleanSupplier stopped) {

    public StepContext {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(delays, "delays");
        Objects.requireNonNull(stopped, "stopped");
    }

    public Clock clock() {
        return engine.clock();
    }

    public MetricsRecorder metrics() {
        return engine.metrics();
    }

    /** Whether {@code work} is given up: its subscription stopped, or its partition was revoked. */
    public boolean givenUp(Work work) {
        return stopped.getAsBoolean() || work.isAbandoned();
    }

    /** Counts {@code event} for {@code work}'s topic and this group. */
    public void count(MetricEvent event, Work work) {
        engine.metrics().count(event, work.record().topic(), group);
    }
}
