package dev.keel.cli.bench;

import dev.keel.cli.broker.RawPublishBaseline;
import java.util.ArrayList;
import java.util.List;

/** Publish throughput with broker confirms: Keel's publisher against the raw client(s) of the broker. */
final class PublishBench {

    /**
     * Messages in each warm-up round; each publisher repeats its round until the JIT is quiet over one
     * ({@link JitQuiet}), at most {@link #WARMUP_ROUNDS} times and never sending more than its measured pass will
     * (the warm-ups' messages stay in the sink group's queues on RabbitMQ and ActiveMQ), before any is measured.
     */
    static final int WARMUP_MESSAGES = 10_000;
    static final int WARMUP_ROUNDS = 30;
    static final String SINK_GROUP = "bench-sink";

    private PublishBench() {
    }

    /** Rounds of {@link #WARMUP_MESSAGES} that send at most {@code measured} messages (one round at least). */
    static int maxRounds(int measured) {
        return Math.max(1, Math.min(WARMUP_ROUNDS, measured / WARMUP_MESSAGES));
    }

    /** The warm-up's messages, and whether it ended with the JIT quiet (1) or at its cap (0). */
    private static void report(BenchReport.Section section, String id, String who, JitQuiet.Warmup warmup,
                               int perRound) {
        section.count(id + "_warmup_messages", who + "'s warm-up (until the JIT was quiet, or its cap)",
                (long) warmup.rounds() * perRound, "messages");
        section.count(id + "_warmup_jit_quiet", "  the JIT quiet at its end (1), or the cap reached (0)",
                warmup.quiet() ? 1 : 0, "");
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        int partitions = ctx.options.partitions();
        BenchReport.Section section = report.section("publish", "publish, confirmed by the broker ("
                + s.messages() + " messages of " + s.payloadBytes() + " B over " + s.keys() + " keys)")
                .field("messages", s.messages());
        String topic = ctx.declare("publish", partitions, SINK_GROUP);
        List<RawPublishBaseline> baselines = ctx.mode.rawPublishBaselines(ctx.options);
        byte[] payload = ctx.payload();
        // every publisher warms up before the first measurement: the raw client shares the JVM (and the broker
        // client's code) with Keel, so warming each just before its own measurement favoured the later ones
        JitQuiet jit = JitQuiet.ofThisJvm();
        int keelWarmup = Math.min(WARMUP_MESSAGES, s.messages());
        JitQuiet.Warmup keelRounds = jit.warmUp(
                () -> ctx.preload(topic, keelWarmup, s.keys(), "publish warm-up (Keel)"), maxRounds(s.messages()));
        report(section, "keel", "Keel", keelRounds, keelWarmup);
        List<String> rawTopics = new ArrayList<>();
        for (RawPublishBaseline baseline : baselines) {
            String rawTopic = ctx.declare("publish-" + baseline.id().replace('_', '-'), partitions, SINK_GROUP);
            rawTopics.add(rawTopic);
            int measured = baseline.messagesFor(s.messages());
            int warmup = Math.min(WARMUP_MESSAGES, measured);
            JitQuiet.Warmup rounds = jit.warmUp(() -> {
                ctx.progress.start("publish warm-up (" + baseline.id() + ")", warmup);
                baseline.publish(rawTopic, warmup, s.keys(), payload, ctx.progress);
                ctx.progress.finish();
            }, maxRounds(measured));
            report(section, baseline.id(), baseline.id(), rounds, warmup);
        }
        JvmCpu keelCpu = JvmCpu.start();
        long start = System.nanoTime();
        ctx.preload(topic, s.messages(), s.keys(), "publish (Keel)");
        double keel = s.messages() * 1e9 / (System.nanoTime() - start);
        section.rate("keel_msgs_per_sec", "Keel publisher", keel);
        keelCpu.report(section, "jvm_cpu_keel_usec_per_msg", "Keel-published", s.messages());

        if (baselines.isEmpty()) {
            String reason = ctx.mode.rawBaselinesMissingReason();
            section.na("raw_msgs_per_sec", "raw client used well", reason);
            section.na("keel_over_raw", "ratio Keel / raw client", reason);
            return;
        }
        for (int i = 0; i < baselines.size(); i++) {
            RawPublishBaseline baseline = baselines.get(i);
            int messages = baseline.messagesFor(s.messages());
            ctx.progress.start("publish (" + baseline.id() + ")", messages);
            JvmCpu rawCpu = JvmCpu.start();
            long rawStart = System.nanoTime();
            long confirmed = baseline.publish(rawTopics.get(i), messages, s.keys(), payload, ctx.progress);
            double raw = confirmed * 1e9 / (System.nanoTime() - rawStart);
            ctx.progress.finish();
            String suffix = messages == s.messages() ? "" : " (" + messages + " messages)";
            section.rate(baseline.id() + "_msgs_per_sec", baseline.description() + suffix, raw);
            rawCpu.report(section, "jvm_cpu_" + baseline.id() + "_usec_per_msg", baseline.id(), confirmed);
            section.ratio("keel_over_" + baseline.id(), "ratio Keel / " + baseline.id(), keel / raw);
        }
    }
}
