package dev.keel.spring.boot.autoconfigure;

import dev.keel.outbox.jdbc.OutboxBacklog;
import dev.keel.outbox.jdbc.OutboxRelay;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code keelOutbox} health contributor: the relay's state and, while it runs, the outbox's backlog as details
 * ({@code pending}, {@code parked}, {@code oldestPendingAge}); UP when the outbox table can be read, DOWN when it
 * cannot. A relay that does not run because the outbox table is missing is DOWN when the application uses the
 * outbox (a bean of its takes the {@code TransactionalOutbox} or the {@code Outbox}: its publishes fail), with the
 * table and script as {@code error}; for a service with a {@code DataSource} that does not use the outbox it is UP
 * with its reason. A relay that stopped because its database refused it (a grant taken away while it ran:
 * {@link OutboxRelay#failure()}) is DOWN, with the grant to add as {@code error}; so is one whose rounds fail on a
 * database error that retrying has not cleared ({@link OutboxRelay#databaseFailure()}: a trigger refusing its
 * {@code DELETE}, a read-only database), until a round of the failing group takes its lanes and commits. A backlog or parked rows do
 * not make it DOWN (the relay publishes them, or an operator re-queues them): alert on the
 * {@code keel.outbox.*} gauges instead.
 */
public class OutboxHealthIndicator extends AbstractHealthIndicator {

    private final OutboxRelay relay;
    private final OutboxRelayLifecycle lifecycle;
    private final BooleanSupplier outboxInUse;

    OutboxHealthIndicator(OutboxRelay relay, OutboxRelayLifecycle lifecycle, BooleanSupplier outboxInUse) {
        super("Keel outbox health check failed");
        this.relay = relay;
        this.lifecycle = lifecycle;
        this.outboxInUse = outboxInUse;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        builder.withDetail("relay", lifecycle.state());
        if (!lifecycle.isRunning()) {
            Optional<String> tableMissing = lifecycle.tableMissing();
            if (tableMissing.isPresent() && outboxInUse.getAsBoolean()) {
                builder.down().withDetail("error", tableMissing.get());
            } else {
                builder.up();
            }
            return;
        }
        Optional<String> refused = relay.failure().map(Throwable::getMessage);
        if (refused.isPresent()) {
            builder.down().withDetail("error", refused.get());
            return;
        }
        Optional<String> databaseFailure = relay.databaseFailure().map(Throwable::getMessage);
        if (databaseFailure.isPresent()) {
            builder.down().withDetail("error", "the relay's rounds fail on a database error that retrying has not "
                    + "cleared (its group of lanes backs off and tries again every poll interval): "
                    + databaseFailure.get());
            return;
        }
        OutboxBacklog backlog = relay.backlog();
        builder.up().withDetail("pending", backlog.pending()).withDetail("parked", backlog.parked())
                .withDetail("oldestPendingAge", backlog.oldestPendingAge().toString());
    }
}
