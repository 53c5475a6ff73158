package dev.keel.core.internal.chain;

import dev.keel.HeaderFilter;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.InboundRecord;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outermost step: a message this subscription does not run is {@link Outcome#FILTERED},
 * acknowledged without reaching the rest of the chain (no metrics of handling, no claim in the
 * idempotency store, no handler), and counted as {@link MetricEvent#FILTERED}. It does not run a
 * message its header filter (when it has one) does not match, nor a copy re-driven from a dead-letter
 * topic for another group or another instance of its broadcast group ({@link RedriveTarget}), nor, where it
 * consumes a retry topic, another subscription's retry copy there (a retry topic name two subscriptions share,
 * {@link RetryOrigin}). Such a
 * message still runs in its key's lane and is acknowledged there, so the partition's order and its
 * contiguous-offset commit are kept. Where the broker filters too (RocketMQ SQL92) every message
 * reaching here matches the header filter.
 */
public final class FilterStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(FilterStep.class);

    private final Step next;
    private final HeaderFilter filter;
    private final RedriveTarget target;
    private final RetryOrigin origin;
    private final StepContext context;

    public FilterStep(Step next, Optional<HeaderFilter> filter, RedriveTarget target, RetryOrigin origin,
                      StepContext context) {
        this.next = next;
        this.filter = filter.orElse(null);
        this.target = target;
        this.origin = origin;
        this.context = context;
    }

    @Override
    public boolean admits(InboundRecord record) {
        return origin.admits(record.headers()) && target.admits(record.headers())
                && (filter == null || filter.matches(record.headers()));
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        if (admits(work.record())) {
            return next.handle(work);
        }
        if (!origin.admits(work.record().headers())) {
            LOG.debug("message {} in {} is no retry copy of {}'s: acknowledged, not run",
                    work.record().id(), work.record().topic(), origin);
        } else if (!target.admits(work.record().headers())) {
            LOG.debug("message {} from {} was re-driven for another group or instance than {}: acknowledged, not run",
                    work.record().id(), work.record().topic(), target);
        }
        context.count(MetricEvent.FILTERED, work);
        return CompletableFuture.completedFuture(Outcome.FILTERED);
    }
}
