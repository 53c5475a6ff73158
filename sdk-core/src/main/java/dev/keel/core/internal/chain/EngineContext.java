package dev.keel.core.internal.chain;

import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every part of one engine shares: its clock, its scheduler (ticks, timeouts, backoffs) and
 * its metrics recorder (guarded: a recorder that throws fails nothing).
 */
public record EngineContext(Clock clock, ScheduledExecutorService scheduler, MetricsRecorder metrics) {

    public EngineContext {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(metrics, "metrics");
    }
}
