package dev.keel.outbox.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What waits in an outbox table at one moment ({@link OutboxRelay#backlog()}).
 *
 * @param pending       rows not yet published (parked rows left out)
 * @param parked        rows refused for good and parked with their cause, waiting for an operator
 * @param oldestPending when the oldest pending row was written; empty when none is pending
 * @param readAt        when the table was read
 */
public record OutboxBacklog(long pending, long parked, Optional<Instant> oldestPending, Instant readAt) {

    public OutboxBacklog {
        if (pending < 0 || parked < 0) {
            throw new IllegalArgumentException("row counts must not be negative");
        }
        Objects.requireNonNull(oldestPending, "oldestPending");
        Objects.requireNonNull(readAt, "readAt");
    }

    /** How long the oldest pending row has waited at {@link #readAt()}; zero when none is pending. */
    public Duration oldestPendingAge() {
        return oldestPending.map(t -> Duration.between(t, readAt)).filter(d -> !d.isNegative()).orElse(Duration.ZERO);
    }
}
