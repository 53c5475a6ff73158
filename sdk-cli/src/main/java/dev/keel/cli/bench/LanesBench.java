package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Key-ordered lanes against sequential processing: one partition, many keys, a handler that takes
 * a fixed time (a simulated call to a database or service). Any key with a message ready takes any
 * free lane, so the ideal ratio is the lane count; {@code lanes_efficiency} is how near it comes.
 */
final class LanesBench {

    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private LanesBench() {
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        long latencyNanos = s.handlerLatency().toNanos();
        BenchReport.Section section = report.section("lanes", "key-ordered lanes vs sequential (1 partition, "
                + s.laneMessages() + " messages over " + s.laneKeys() + " keys, handler takes "
                + s.handlerLatency().toMillis() + " ms)")
                .field("messages", s.laneMessages()).field("keys", s.laneKeys())
                .field("handler_latency_ms", s.handlerLatency().toMillis()).field("lanes", s.lanes());
        String lanesGroup = "bench-lanes-" + s.lanes();
        String topic = ctx.declare("lanes", 1, lanesGroup, "bench-lanes-1");
        ctx.preload(topic, s.laneMessages(), s.laneKeys(), "preload lanes topic");
        double parallel = measure(ctx, topic, lanesGroup, s.lanes(), latencyNanos, s.laneMessages());
        section.rate("lanes_msgs_per_sec", s.lanes() + " lanes (PER_KEY)", parallel);
        double sequential = measure(ctx, topic, "bench-lanes-1", 1, latencyNanos, s.laneMessages());
        section.rate("sequential_msgs_per_sec", "1 lane (sequential)", sequential);
        section.ratio("lanes_over_sequential", "ratio " + s.lanes() + " lanes / sequential", parallel / sequential);
        // 1.0 when every lane is busy all the time; keys scheduled per key fall short of it only where the keys
        // with a message ready are fewer than the lanes (the end of the run, a key holding most of the messages)
        section.ratio("lanes_efficiency", "ratio / " + s.lanes() + " lanes", parallel / sequential / s.lanes());
    }

    /** Reads {@code messages} of {@code topic} in {@code group}, AT_LEAST_ONCE, PER_KEY; the rate. */
    static double measure(BenchContext ctx, String topic, String group, int lanes, long latencyNanos, int messages)
            throws Exception {
        Throughput t = new Throughput();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, group, Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.PER_KEY).lanes(lanes)
                .closeTimeout(CLOSE_TIMEOUT).build();
        Subscription sub = ctx.keel.subscribe(config, d -> {
            if (latencyNanos > 0) {
                simulateWork(latencyNanos);
            }
            t.record();
        });
        try {
            ctx.await(t::count, messages, "lanes=" + lanes);
        } finally {
            sub.close(CLOSE_TIMEOUT);
        }
        return t.perSecond();
    }

    /** Waits at least {@code nanos} (parkNanos may return early, so it loops to the deadline). */
    static void simulateWork(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
