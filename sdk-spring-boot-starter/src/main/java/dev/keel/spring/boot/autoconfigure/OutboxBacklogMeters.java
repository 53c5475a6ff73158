package dev.keel.spring.boot.autoconfigure;

import dev.keel.outbox.jdbc.OutboxBacklog;
import dev.keel.outbox.jdbc.OutboxRelay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's backlog as gauges: {@code keel.outbox.pending} (rows not yet published),
 * {@code keel.outbox.parked} (rows refused for good, waiting for an operator) and
 * {@code keel.outbox.oldest.age} (seconds the oldest pending row has waited). The table is read at most once per
 * {@link #REFRESH} whatever the scrape rate; a read that fails makes the gauges NaN until the next one succeeds. While
 * the relay does not run (no outbox table, stopped) they are NaN and the table is not read.
 */
final class OutboxBacklogMeters implements MeterBinder {

    /** The longest a gauge's value is reused before the table is read again. */
    static final Duration REFRESH = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(OutboxBacklogMeters.class);

    private final OutboxRelay relay;
    private final BooleanSupplier running;
    private OutboxBacklog last;
    private long lastReadNanos;
    private boolean failed;

    OutboxBacklogMeters(OutboxRelay relay, BooleanSupplier running) {
        this.relay = relay;
        this.running = running;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "keel.outbox.pending", "rows", "outbox rows not yet published", b -> b.pending());
        gauge(registry, "keel.outbox.parked", "rows", "outbox rows refused for good and parked with their cause",
                b -> b.parked());
        Gauge.builder("keel.outbox.oldest.age", this, m -> m.value(b -> b.oldestPendingAge().toMillis() / 1000.0))
                .baseUnit("seconds").description("how long the oldest pending outbox row has waited")
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String unit, String description,
                       ToDoubleFunction<OutboxBacklog> value) {
        Gauge.builder(name, this, m -> m.value(value)).baseUnit(unit).description(description).register(registry);
    }

    private synchronized double value(ToDoubleFunction<OutboxBacklog> value) {
        if (!running.getAsBoolean()) {
            return Double.NaN;
        }
        long now = System.nanoTime();
        if (last == null && !failed || now - lastReadNanos >= REFRESH.toNanos()) {
            lastReadNanos = now;
            try {
                last = relay.backlog();
                failed = false;
            } catch (SQLException | RuntimeException e) {
                if (!failed) {
                    LOG.warn("the Keel outbox gauges cannot read the outbox table ({}); they show NaN until it can be "
                            + "read", e.toString());
                }
                failed = true;
            }
        }
        return failed || last == null ? Double.NaN : value.applyAsDouble(last);
    }
}
