package dev.keel.core.internal.consume;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the lanes of a subscription that stall, on the injected clock: a lane (one of the
 * subscription's {@code lanes} worker slots, which any key takes when free) whose current message
 * has held it for {@link #STALL_AFTER} or longer. One WARN per stall episode (naming the lane and how
 * long), however long it lasts and however often it is checked, {@link MetricEvent#LANE_STALLED}
 * counted once, and one INFO when the lane moves on.
 */
public final class LaneStallWatch {

    /** A lane held this long by its current message is reported stalled. */
    public static final Duration STALL_AFTER = StallWatch.STALL_AFTER;

    private static final Logger DEFAULT_LOG = LoggerFactory.getLogger(LaneStallWatch.class);

    private final KeyOrderedExecutor lanes;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final String topic;
    private final String group;
    private final Logger log;
    /** Per lane, the task count of its stall episode, -1 when not stalled; guarded by this. */
    private final long[] stalledTask;
    /** Per lane, since when its stalled task held it; guarded by this. */
    private final long[] stalledSince;
    /** When the subscription was last seen paused for its unreachable store, -1 never; guarded by this. */
    private long storePausedAt = -1;

    public LaneStallWatch(KeyOrderedExecutor lanes, Clock clock, MetricsRecorder metrics, String topic, String group) {
        this(lanes, clock, metrics, topic, group, DEFAULT_LOG);
    }

    public LaneStallWatch(KeyOrderedExecutor lanes, Clock clock, MetricsRecorder metrics, String topic, String group,
                   Logger log) {
        this.lanes = lanes;
        this.clock = clock;
        this.metrics = metrics;
        this.topic = topic;
        this.group = group;
        this.log = log;
        this.stalledTask = new long[lanes.laneCount()];
        this.stalledSince = new long[lanes.laneCount()];
        Arrays.fill(stalledTask, -1);
    }

    /** Looks at every lane: logs the stalls that begin and the ones that ended since the last check. */
    public synchronized void check() {
        check(false);
    }

    /**
     * As {@link #check()}; with {@code storePaused} (the subscription is paused because its idempotency store is
     * unreachable, which is logged on its own) no stall begins, and the time paused is not counted against a lane.
     */
    public synchronized void check(boolean storePaused) {
        long now = clock.millis();
        if (storePaused) {
            storePausedAt = now;
        }
        for (int lane = 0; lane < stalledTask.length; lane++) {
            long task = lanes.started(lane);
            long held = lanes.heldSince(lane);
            long since = held < 0 ? held : Math.max(held, storePausedAt);
            boolean stalled = since >= 0 && now - since >= STALL_AFTER.toMillis();
            if (stalledTask[lane] >= 0 && (stalledTask[lane] != task || since < 0)) {
                log.info("lane {} of the subscription to {} for group {} moves again after a stall of {} s",
                        lane, topic, group, (now - stalledSince[lane]) / 1000);
                stalledTask[lane] = -1;
            }
            if (stalled && stalledTask[lane] < 0) {
                stalledTask[lane] = task;
                stalledSince[lane] = since;
                metrics.count(MetricEvent.LANE_STALLED, topic, group);
                log.warn("lane {} of the subscription to {} for group {} has been held by one message for {} s (a "
                        + "slow or blocked handler, or long retries or dead-lettering): the later messages of its "
                        + "key wait behind it, and the other keys have one lane fewer; logged once, until it moves "
                        + "again", lane, topic, group, (now - since) / 1000);
            }
        }
    }

    /** How many lanes are held by one message for {@link #STALL_AFTER} or longer now. */
    public int stalledLanes() {
        long now = clock.millis();
        int n = 0;
        for (int lane = 0; lane < lanes.laneCount(); lane++) {
            long since = lanes.heldSince(lane);
            n += since >= 0 && now - since >= STALL_AFTER.toMillis() ? 1 : 0;
        }
        return n;
    }
}
