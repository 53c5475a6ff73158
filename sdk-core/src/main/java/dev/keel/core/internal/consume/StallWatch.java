package dev.keel.core.internal.consume;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator when a subscription stalls, with counts, on the injected clock: a WARN when no
 * message has finished for {@link #STALL_AFTER} while some are in flight (again every
 * {@link #STALL_AFTER} while it lasts, then an INFO when messages finish again), and a WARN when
 * messages have waited longer than the lease for ids another consumer holds (at most once per lease). While the
 * subscription is paused for its unreachable store, nothing is a stall (the store's outage is logged on its own).
 */
public final class StallWatch {

    /** No message finished for this long while some were in flight: the subscription is reported stalled. */
    public static final Duration STALL_AFTER = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);

    /** What a subscription holds when it is checked. */
    public record Counts(int inFlight, int busy, int busyLongerThanLease, int claimsHeld, int parked) {
    }

    private final Clock clock;
    private final String topic;
    private final String group;
    private final Duration lease;
    private volatile long lastProgressAt;
    /** Guarded by this; -1 when not stalled. */
    private long stalledSince = -1;
    /** Guarded by this. */
    private long lastStallLogAt;
    /** Guarded by this; -1 before the first. */
    private long lastBusyLogAt = -1;

    /** @param lease the claims' lease, or null without idempotency claims */
    public StallWatch(Clock clock, String topic, String group, Duration lease) {
        this.clock = clock;
        this.topic = topic;
        this.group = group;
        this.lease = lease;
        this.lastProgressAt = clock.millis();
    }

    /** A message finished (acknowledged or given up). */
    public void progressed() {
        lastProgressAt = clock.millis();
    }

    public synchronized void check(Counts counts) {
        check(counts, false);
    }

    /**
     * With {@code storePaused} (the subscription is paused because its idempotency store is unreachable, which is
     * logged on its own) nothing counts as a stall: the time paused is not counted against the handlers.
     */
    public synchronized void check(Counts counts, boolean storePaused) {
        long now = clock.millis();
        if (storePaused) {
            lastProgressAt = now;
            return;
        }
        long quiet = now - lastProgressAt;
        if (counts.inFlight() == 0) {
            lastProgressAt = now;
            quiet = 0;
        }
        if (quiet >= STALL_AFTER.toMillis()) {
            if (stalledSince < 0 || now - lastStallLogAt >= STALL_AFTER.toMillis()) {
                if (stalledSince < 0) {
                    stalledSince = lastProgressAt;
                }
                lastStallLogAt = now;
                LOG.warn("subscription to {} for group {} has finished no message for {} s: {} in flight, {} waiting "
                        + "for ids another consumer holds, {} claims held and renewed, {} parked (a slow or blocked "
                        + "handler, long retries, or messages another consumer is handling)", topic, group,
                        quiet / 1000, counts.inFlight(), counts.busy(), counts.claimsHeld(), counts.parked());
            }
        } else if (stalledSince >= 0) {
            LOG.info("subscription to {} for group {} is finishing messages again after {} s", topic, group,
                    (now - stalledSince) / 1000);
            stalledSince = -1;
        }
        if (lease != null && counts.busyLongerThanLease() > 0
                && (lastBusyLogAt < 0 || now - lastBusyLogAt >= lease.toMillis())) {
            lastBusyLogAt = now;
            LOG.warn("{} of the {} messages of {} for group {} waiting for ids another consumer holds have waited "
                    + "longer than the lease ({}): that consumer renewed its claims (it is handling or retrying those "
                    + "ids, e.g. duplicates delivered to both); they run here once it finishes or gives them up, or "
                    + "once its lease runs out if it stopped renewing", counts.busyLongerThanLease(), counts.busy(),
                    topic, group, lease);
        }
    }
}
