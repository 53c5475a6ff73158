package dev.keel.core.internal;

import dev.keel.HeaderFilter;
import dev.keel.SubscriptionConfig;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.InboundRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The outermost step of a subscription with a header filter: a message that does not match is
 * {@link Outcome#FILTERED}, acknowledged without reaching the rest of the chain (no metrics of
 * handling, no claim in the idempotency store, no handler), and counted as
 * {@link MetricEvent#FILTERED}. It still runs in its key's lane and is acknowledged there, so the
 * partition's order and its contiguous-offset commit are kept. Where the broker filters too
 * (RocketMQ SQL92) every message reaching here matches, and this step passes them on.
 */
final class FilterStep implements Step {

    private final Step next;
    private final HeaderFilter filter;
    private final MetricsRecorder metrics;
    private final String group;

    FilterStep(Step next, HeaderFilter filter, MetricsRecorder metrics, String group) {
        this.next = next;
        this.filter = filter;
        this.metrics = metrics;
        this.group = group;
    }

    /** Whether {@code record} reaches the handling chain under {@code config}'s filter (true without one). */
    static boolean passes(SubscriptionConfig<?> config, InboundRecord record) {
        return config.filter().map(f -> f.matches(record.headers())).orElse(true);
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        if (filter.matches(work.record().headers())) {
            return next.handle(work);
        }
        metrics.count(MetricEvent.FILTERED, work.record().topic(), group);
        return CompletableFuture.completedFuture(Outcome.FILTERED);
    }
}
