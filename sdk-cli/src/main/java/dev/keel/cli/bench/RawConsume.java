package dev.keel.cli.bench;

import dev.keel.cli.broker.BatchWork;
import dev.keel.cli.broker.RawConsumeBaseline;

/** Runs a raw client's consume baseline over a preloaded topic, with progress; its rate. */
final class RawConsume {

    private RawConsume() {
    }

    /** Reads the run's {@code --messages} of {@code topic} in {@code group}; msg/s from the first to the last. */
    static double measure(BenchContext ctx, RawConsumeBaseline baseline, String topic, String group, String label)
            throws Exception {
        return measure(ctx, baseline, topic, group, null, label);
    }

    /** {@link #measure(BenchContext, RawConsumeBaseline, String, String, String)}, doing {@code work} on each batch. */
    static double measure(BenchContext ctx, RawConsumeBaseline baseline, String topic, String group, BatchWork work,
                          String label) throws Exception {
        Throughput t = new Throughput();
        ctx.progress.start(label, ctx.settings.messages());
        try {
            if (work == null) {
                baseline.consume(topic, group, ctx.settings.messages(), ctx.progress, t);
            } else {
                baseline.consume(topic, group, ctx.settings.messages(), ctx.progress, t, work);
            }
        } finally {
            ctx.progress.finish();
        }
        return t.perSecond();
    }
}
