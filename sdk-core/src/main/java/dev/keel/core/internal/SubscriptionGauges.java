package dev.keel.core.internal;

import dev.keel.core.internal.consume.EngineSubscription;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The progress gauges of each topic and group, registered with the metrics recorder once and reading
 * the subscriptions of that topic and group that run now (summed when there are several). A
 * subscription leaves them once it stopped (closed or failed), so a registry that keeps the first gauge
 * of a name, as Micrometer's does, neither reads a stopped subscription after a resubscribe nor keeps it
 * in memory.
 */
final class SubscriptionGauges {

    private final MetricsRecorder metrics;
    private final Map<String, Live> byTopicAndGroup = new ConcurrentHashMap<>();

    SubscriptionGauges(MetricsRecorder metrics) {
        this.metrics = metrics;
    }

    /** Counts {@code subscription} in its topic's and group's gauges until it stops. */
    void follow(EngineSubscription subscription) {
        Live live = byTopicAndGroup.computeIfAbsent(subscription.topic() + '\u0000' + subscription.group(),
                k -> register(subscription.topic(), subscription.group()));
        live.running.add(subscription);
        if (subscription.brokerBacklog() >= 0) {
            live.registerBacklog(subscription.topic(), subscription.group());
        }
        subscription.stopped().whenComplete((v, e) -> live.running.remove(subscription));
    }

    private Live register(String topic, String group) {
        Live live = new Live();
        metrics.inFlight(topic, group, () -> live.sum(EngineSubscription::inFlightCount));
        metrics.gauge(MetricGauge.UNACKNOWLEDGED, topic, group, () -> live.sum(EngineSubscription::unacknowledgedCount));
        metrics.gauge(MetricGauge.BUSY_WAITING, topic, group, () -> live.sum(EngineSubscription::busyWaitingCount));
        metrics.gauge(MetricGauge.STALLED_LANES, topic, group, () -> live.sum(EngineSubscription::stalledLaneCount));
        metrics.gauge(MetricGauge.IN_FLIGHT_BYTES, topic, group, () -> live.sum(EngineSubscription::inFlightBytesCount));
        return live;
    }

    /** The subscriptions of one topic and group that have not stopped. */
    private final class Live {
        final Set<EngineSubscription> running = new CopyOnWriteArraySet<>();
        private boolean backlogRegistered;

        int sum(ToIntFunction<EngineSubscription> reading) {
            long sum = 0;
            for (EngineSubscription s : running) {
                sum += reading.applyAsInt(s);
            }
            return (int) Math.min(Integer.MAX_VALUE, sum);
        }

        synchronized void registerBacklog(String topic, String group) {
            if (!backlogRegistered) {
                backlogRegistered = true;
                ToLongFunction<EngineSubscription> backlog = s -> Math.max(0, s.brokerBacklog());
                metrics.gauge(MetricGauge.BROKER_BACKLOG, topic, group,
                        () -> (int) Math.min(Integer.MAX_VALUE, running.stream().mapToLong(backlog).sum()));
            }
        }
    }
}
