package dev.keel.core.internal;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.util.concurrent.CompletionStage;

/** The outermost step: counts deliveries and how each one ended. */
final class MetricsStep implements Step {

    private final Step next;
    private final MetricsRecorder metrics;
    private final String group;

    MetricsStep(Step next, MetricsRecorder metrics, String group) {
        this.next = next;
        this.metrics = metrics;
        this.group = group;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        String topic = work.record().topic();
        metrics.count(MetricEvent.DELIVERED, topic, group);
        return Futures.call(() -> next.handle(work)).whenComplete((outcome, error) -> {
            if (outcome == Outcome.HANDLED) {
                metrics.count(MetricEvent.HANDLED, topic, group);
            } else if (outcome == Outcome.DUPLICATE) {
                metrics.count(MetricEvent.DUPLICATE_SKIPPED, topic, group);
            } else if (outcome == Outcome.DEAD_LETTERED) {
                metrics.count(MetricEvent.DEAD_LETTERED, topic, group);
            }
        });
    }
}
