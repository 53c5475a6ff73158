package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.cli.broker.RawConsumeBaseline;
import dev.keel.ordering.Ordering;
import dev.keel.spi.Capability;
import java.util.Optional;

/**
 * Share-group consumption ({@code shareGroup(true)}) on one preloaded topic, read by one group per variant, with an
 * empty handler: a classic group with Keel's lanes (unordered, the same lanes), a share group under AT_LEAST_ONCE
 * and under EFFECTIVELY_ONCE, and the raw {@code KafkaShareConsumer} loop. Only on an adapter that declares
 * {@link Capability#SHARED_CONSUMPTION}; n/a elsewhere.
 */
final class ShareGroupBench {

    static final String WARMUP_GROUP = "bench-share-warmup";
    static final String CLASSIC_GROUP = "bench-classic-lanes";
    static final String SHARE_GROUP = "bench-share";
    static final String SHARE_EO_GROUP = "bench-share-eo";
    static final String RAW_GROUP = "bench-share-raw";

    private ShareGroupBench() {
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        BenchReport.Section section = report.section("share", "share groups (" + s.messages() + " messages, "
                + "UNORDERED, " + s.consumeLanes() + " lanes, empty handler)").field("messages", s.messages());
        if (!ctx.adapter.capabilities().contains(Capability.SHARED_CONSUMPTION)) {
            section.na("share_group_msgs_per_sec", "share group", "the adapter does not declare SHARED_CONSUMPTION "
                    + "(share groups: --broker kafka)");
            return;
        }
        Optional<RawConsumeBaseline> raw = ctx.mode.rawShareConsumeBaseline(ctx.options);
        String topic = ctx.declare("share", ctx.options.partitions(), WARMUP_GROUP, CLASSIC_GROUP, SHARE_GROUP,
                SHARE_EO_GROUP, RAW_GROUP);
        ctx.preload(topic, s.messages(), s.keys(), "preload share topic");
        measure(ctx, topic, WARMUP_GROUP, true, DeliveryGuarantee.AT_LEAST_ONCE, "share group warm-up");

        double classic = measure(ctx, topic, CLASSIC_GROUP, false, DeliveryGuarantee.AT_LEAST_ONCE,
                "consume classic group, lanes");
        section.rate("classic_lanes_msgs_per_sec", "classic group, " + s.consumeLanes() + " lanes, AT_LEAST_ONCE",
                classic);
        double shared = measure(ctx, topic, SHARE_GROUP, true, DeliveryGuarantee.AT_LEAST_ONCE,
                "consume share group");
        section.rate("share_group_msgs_per_sec", "share group, AT_LEAST_ONCE", shared);
        section.ratio("share_over_classic", "ratio share group / classic group with lanes", shared / classic);
        if (raw.isPresent()) {
            RawConsumeBaseline baseline = raw.get();
            double rawRate = RawConsume.measure(ctx, baseline, topic, RAW_GROUP, "consume " + baseline.id());
            section.rate(baseline.id() + "_msgs_per_sec", baseline.description(), rawRate);
            section.ratio("share_over_" + baseline.id(), "ratio share group / " + baseline.id(), shared / rawRate);
        }
        double sharedEo = measure(ctx, topic, SHARE_EO_GROUP, true, DeliveryGuarantee.EFFECTIVELY_ONCE,
                "consume share group EFFECTIVELY_ONCE");
        section.rate("share_group_eo_msgs_per_sec", "share group, EFFECTIVELY_ONCE (" + ctx.store.description() + ")",
                sharedEo);
        section.ratio("share_eo_over_alo", "ratio share group EFFECTIVELY_ONCE / AT_LEAST_ONCE", sharedEo / shared);
    }

    private static double measure(BenchContext ctx, String topic, String group, boolean shareGroup,
                                  DeliveryGuarantee guarantee, String label) throws Exception {
        Throughput t = new Throughput();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, group, Codec.bytes())
                .guarantee(guarantee).ordering(Ordering.UNORDERED).shareGroup(shareGroup)
                .lanes(ctx.settings.consumeLanes()).idempotencyPolicy(ConsumeBench.IDEMPOTENCY)
                .closeTimeout(ConsumeBench.CLOSE_TIMEOUT).build();
        Subscription sub = ctx.keel.subscribe(config, d -> t.record());
        try {
            ctx.await(t::count, ctx.settings.messages(), label);
        } finally {
            sub.close(ConsumeBench.CLOSE_TIMEOUT);
        }
        return t.perSecond();
    }
}
