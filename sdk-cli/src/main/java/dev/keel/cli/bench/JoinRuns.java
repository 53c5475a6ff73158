package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Handlers run twice when a consumer joins a group under load: one subscription reads a preloaded
 * topic, AT_LEAST_ONCE, PER_KEY, {@code --lanes} lanes, a handler of {@code --handler-latency}; a
 * second subscription joins the same group once {@code joinAt} distinct messages are handled, and
 * both run until every message is. The handler runs above the distinct messages are the re-runs the
 * rebalance caused: under AT_LEAST_ONCE, at best those in flight at the revoke.
 */
final class JoinRuns {

    private JoinRuns() {
    }

    /**
     * What one pass counted, both taken when the last message was handled (before either consumer
     * closes, so that the closes' own rebalance does not count).
     *
     * @param handledTwice       the handler runs above the distinct messages
     * @param handledBySecond    the handler runs of the consumer that joined: 0 means it never got a
     *                           partition before the end, and the pass shows no rebalance
     */
    record Result(long handledTwice, long handledBySecond) {
    }

    static Result measure(BenchContext ctx, String topic, String group, int messages, int joinAt) throws Exception {
        BenchSettings s = ctx.settings;
        long latencyNanos = s.handlerLatency().toNanos();
        Set<String> distinct = ConcurrentHashMap.newKeySet();
        AtomicLong runs = new AtomicLong();
        AtomicLong secondRuns = new AtomicLong();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, group, Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.PER_KEY).lanes(s.lanes())
                .closeTimeout(LanesBench.CLOSE_TIMEOUT).build();
        Subscription first = ctx.keel.subscribe(config, handler(latencyNanos, runs, distinct, new AtomicLong()));
        try {
            ctx.await(distinct::size, joinAt, group + ": first consumer");
            Subscription second = ctx.keel.subscribe(config, handler(latencyNanos, runs, distinct, secondRuns));
            try {
                ctx.await(distinct::size, messages, group + ": both consumers");
                return new Result(runs.get() - distinct.size(), secondRuns.get());
            } finally {
                second.close(LanesBench.CLOSE_TIMEOUT);
            }
        } finally {
            first.close(LanesBench.CLOSE_TIMEOUT);
        }
    }

    private static MessageHandler<byte[]> handler(long latencyNanos, AtomicLong runs, Set<String> distinct,
                                                  AtomicLong memberRuns) {
        return d -> {
            LanesBench.simulateWork(latencyNanos);
            runs.incrementAndGet();
            memberRuns.incrementAndGet();
            distinct.add(d.id());
        };
    }
}
