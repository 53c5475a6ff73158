package dev.keel.core.internal.chain;

import dev.keel.core.internal.util.Futures;
import dev.keel.metrics.MetricEvent;
import java.util.concurrent.CompletionStage;

/** The outermost step: counts deliveries and how each one ended. */
public final class MetricsStep implements Step {

    private final Step next;
    private final StepContext context;

    public MetricsStep(Step next, StepContext context) {
        this.next = next;
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        context.count(MetricEvent.DELIVERED, work);
        return Futures.call(() -> next.handle(work)).whenComplete((outcome, error) -> {
            if (outcome == Outcome.HANDLED) {
                context.count(MetricEvent.HANDLED, work);
            } else if (outcome == Outcome.DUPLICATE) {
                context.count(MetricEvent.DUPLICATE_SKIPPED, work);
            } else if (outcome == Outcome.DEAD_LETTERED) {
                context.count(MetricEvent.DEAD_LETTERED, work);
            }
        });
    }
}
