package dev.keel.cli.bench;

import dev.keel.DeliveryGuarantee;
import dev.keel.cli.broker.RawConsumeBaseline;
import dev.keel.cli.broker.RawPublishBaseline;
import java.util.List;
import java.util.Optional;

/**
 * The cost of TLS in one run ({@code --tls-compare}): one round of the publish and consume measurements on the same
 * broker reached through its plaintext endpoint and its TLS endpoint, each measure taken on both back to back (the
 * round decides which goes first), for Keel and for the raw client, with the ratio TLS / plaintext of each. Rounds
 * repeated by {@code --repeat} swap the order and are combined into medians with their range, so that drift on a busy
 * machine weighs on both endpoints alike.
 */
final class TlsCompareBench {

    static final String PUBLISH_SECTION = "tls_publish";
    static final String CONSUME_SECTION = "tls_consume";
    /** Messages each publisher sends on each endpoint before the publishes are measured (JIT warm-up). */
    static final int WARMUP_MESSAGES = 5000;

    private TlsCompareBench() {
    }

    /** One endpoint: {@code id} is {@code plaintext} or {@code tls}. */
    private record Side(String id, String label, BenchContext ctx) {
    }

    /**
     * One round: the publish measure when {@code publish}, the consume measure when {@code consume}; the TLS endpoint
     * first in each pair when {@code tlsFirst}.
     */
    static void run(BenchContext plain, BenchContext tls, BenchReport report, boolean publish, boolean consume,
                    boolean tlsFirst) throws Exception {
        Side plainSide = new Side("plaintext", "plaintext", plain);
        Side tlsSide = new Side("tls", "TLS", tls);
        List<Side> order = tlsFirst ? List.of(tlsSide, plainSide) : List.of(plainSide, tlsSide);
        if (publish) {
            publish(order, report);
        }
        if (consume) {
            consume(order, report);
        }
    }

    private static void publish(List<Side> order, BenchReport report) throws Exception {
        BenchSettings s = order.get(0).ctx().settings;
        int partitions = order.get(0).ctx().options.partitions();
        BenchReport.Section section = report.section(PUBLISH_SECTION, "TLS cost: publish, confirmed by the broker ("
                + s.messages() + " messages of " + s.payloadBytes() + " B over " + s.keys() + " keys), plaintext "
                + "and TLS back to back").field("messages", s.messages());
        // the first (best) raw baseline only: the naive one measures round trips, not the connection's cost
        Optional<RawPublishBaseline> raw = order.get(0).ctx().mode.rawPublishBaselines(order.get(0).ctx().options)
                .stream().findFirst();
        String[] topics = new String[2];
        String[] rawTopics = new String[2];
        for (int i = 0; i < 2; i++) {
            Side side = order.get(i);
            topics[i] = side.ctx().declare("publish-" + side.id(), partitions, PublishBench.SINK_GROUP);
            side.ctx().preload(topics[i], Math.min(WARMUP_MESSAGES, s.messages()), s.keys(),
                    "publish warm-up (Keel, " + side.label() + ")");
            if (raw.isPresent()) {
                rawTopics[i] = side.ctx().declare("publish-raw-" + side.id(), partitions, PublishBench.SINK_GROUP);
                rawPublish(side, rawTopics[i], Math.min(WARMUP_MESSAGES, s.messages()),
                        "publish warm-up (" + raw.get().id() + ", " + side.label() + ")");
            }
        }
        double[] keel = new double[2];
        for (int i = 0; i < 2; i++) {
            Side side = order.get(i);
            long start = System.nanoTime();
            side.ctx().preload(topics[i], s.messages(), s.keys(), "publish (Keel, " + side.label() + ")");
            keel[i] = s.messages() * 1e9 / (System.nanoTime() - start);
        }
        rows(section, order, "keel", "Keel publisher", keel);
        if (raw.isEmpty()) {
            String reason = order.get(0).ctx().mode.rawBaselinesMissingReason();
            section.na("raw_tls_over_plaintext", "ratio TLS / plaintext, raw client", reason);
            return;
        }
        double[] rates = new double[2];
        for (int i = 0; i < 2; i++) {
            Side side = order.get(i);
            long start = System.nanoTime();
            long confirmed = rawPublish(side, rawTopics[i], s.messages(),
                    "publish (" + raw.get().id() + ", " + side.label() + ")");
            rates[i] = confirmed * 1e9 / (System.nanoTime() - start);
        }
        rows(section, order, raw.get().id(), raw.get().description(), rates);
    }

    /** Publishes through this side's own raw baseline (its endpoint, its TLS settings). */
    private static long rawPublish(Side side, String topic, int messages, String label) throws Exception {
        BenchContext ctx = side.ctx();
        RawPublishBaseline baseline = ctx.mode.rawPublishBaselines(ctx.options).get(0);
        ctx.progress.start(label, messages);
        try {
            return baseline.publish(topic, messages, ctx.settings.keys(), ctx.payload(), ctx.progress);
        } finally {
            ctx.progress.finish();
        }
    }

    private static void consume(List<Side> order, BenchReport report) throws Exception {
        BenchSettings s = order.get(0).ctx().settings;
        BenchReport.Section section = report.section(CONSUME_SECTION, "TLS cost: consume (" + s.messages()
                + " messages, AT_LEAST_ONCE, PER_KEY, " + s.consumeLanes() + " lanes), plaintext and TLS back to back")
                .field("messages", s.messages());
        Optional<RawConsumeBaseline> raw = order.get(0).ctx().mode.rawConsumeBaseline(order.get(0).ctx().options);
        String[] topics = new String[2];
        for (int i = 0; i < 2; i++) {
            Side side = order.get(i);
            topics[i] = side.ctx().declare("consume-" + side.id(), side.ctx().options.partitions(),
                    raw.isPresent() ? new String[] {ConsumeBench.WARMUP_GROUP, "bench-alo", ConsumeBench.RAW_GROUP}
                            : new String[] {ConsumeBench.WARMUP_GROUP, "bench-alo"});
            side.ctx().preload(topics[i], s.messages(), s.keys(), "preload consume topic (" + side.label() + ")");
            ConsumeBench.measure(side.ctx(), topics[i], ConsumeBench.WARMUP_GROUP, DeliveryGuarantee.AT_LEAST_ONCE,
                    null, "consume warm-up (" + side.label() + ")");
        }
        double[] alo = new double[2];
        for (int i = 0; i < 2; i++) {
            Side side = order.get(i);
            alo[i] = ConsumeBench.measure(side.ctx(), topics[i], "bench-alo", DeliveryGuarantee.AT_LEAST_ONCE, null,
                    "consume AT_LEAST_ONCE (" + side.label() + ")");
        }
        rows(section, order, "at_least_once", "Keel AT_LEAST_ONCE", alo);
        if (raw.isEmpty()) {
            section.na("raw_tls_over_plaintext", "ratio TLS / plaintext, raw client",
                    "no raw consume baseline on --broker " + order.get(0).ctx().mode.name());
            return;
        }
        double[] rates = new double[2];
        for (int i = 0; i < 2; i++) {
            Side side = order.get(i);
            RawConsumeBaseline baseline = side.ctx().mode.rawConsumeBaseline(side.ctx().options).orElseThrow();
            rates[i] = RawConsume.measure(side.ctx(), baseline, topics[i], ConsumeBench.RAW_GROUP,
                    "consume " + baseline.id() + " (" + side.label() + ")");
        }
        rows(section, order, raw.get().id(), raw.get().description(), rates);
    }

    /** The plaintext and TLS rates of one client (in {@code order}), then the ratio TLS / plaintext. */
    private static void rows(BenchReport.Section section, List<Side> order, String id, String label, double[] rates) {
        int plain = order.get(0).id().equals("plaintext") ? 0 : 1;
        int tls = 1 - plain;
        section.rate(id + "_plaintext_msgs_per_sec", label + ", plaintext", rates[plain]);
        section.rate(id + "_tls_msgs_per_sec", label + ", TLS", rates[tls]);
        section.ratio(id + "_tls_over_plaintext", "ratio TLS / plaintext, " + label, rates[tls] / rates[plain]);
    }
}
