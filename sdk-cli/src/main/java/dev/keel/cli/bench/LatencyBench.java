package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.cli.broker.RawLatencyBaseline;
import dev.keel.ordering.Ordering;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * End-to-end latency, from the publish call to the handler, under EFFECTIVELY_ONCE and PER_KEY, at
 * a steady publish rate (open loop: each message has its scheduled send time, so a stall shows up
 * in the percentiles instead of slowing the sender down); then the raw client of the broker at the
 * same rate, payloads and keys, so that the latency Keel adds is a measured difference.
 */
final class LatencyBench {

    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    static final long WARMUP_MARK = Long.MIN_VALUE;
    /** Paced messages each side sends, unrecorded, before the measured ones. */
    static final int WARMUP_MESSAGES = 2000;
    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);
    static final String GROUP = "bench-latency";
    static final String RAW_GROUP = "bench-latency-raw";

    private LatencyBench() {
    }

    /** Publishes one message (message {@code i}, carrying its scheduled send time). */
    @FunctionalInterface
    private interface Sender {
        void send(int i, byte[] payload, String key) throws Exception;
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        Optional<RawLatencyBaseline> baseline = ctx.mode.rawLatencyBaseline(ctx.options);
        BenchReport.Section section = report.section("latency", "end-to-end latency, publish to handler ("
                + s.latencyMessages() + " messages at " + s.latencyRate() + " msg/s, EFFECTIVELY_ONCE, PER_KEY, "
                + s.consumeLanes() + " lanes, " + s.consumeInFlight() + " in flight)"
                + baseline.map(b -> "; then at the same rate " + b.description()).orElse(""))
                .field("messages", s.latencyMessages()).field("rate_msgs_per_sec", s.latencyRate())
                .field("in_flight", s.consumeInFlight());
        Histogram confirms = new ConcurrentHistogram(HIGHEST_MICROS, 3);
        Optional<RedisWork> redisWork = ConsumeBench.redisWork(ctx);
        Histogram keel = keel(ctx, confirms);
        redisWork.ifPresent(work -> RedisWork.report(section, "redis_eo", work.since(),
                messagesHandled(s.latencyMessages()), "EFFECTIVELY_ONCE"));
        // where Keel's time goes: a message reaches a consumer only once the broker stored it, so when
        // these are near the end-to-end figures, the publish side holds the time (batching, in-flight limits)
        section.millis("confirm_p50_ms", "Keel publish -> confirm p50", micros(confirms, 50));
        section.millis("confirm_p99_ms", "Keel publish -> confirm p99", micros(confirms, 99));
        section.millis("p50_ms", "Keel p50", micros(keel, 50));
        section.millis("p95_ms", "Keel p95", micros(keel, 95));
        section.millis("p99_ms", "Keel p99", micros(keel, 99));
        section.millis("p999_ms", "Keel p99.9", micros(keel, 99.9));
        section.millis("max_ms", "Keel max", keel.getMaxValue() / 1000.0);
        if (baseline.isEmpty()) {
            String reason = ctx.mode.rawBaselinesMissingReason();
            section.na("raw_p50_ms", "raw client p50", reason);
            section.na("raw_p99_ms", "raw client p99", reason);
            section.na("added_p99_ms", "added p99 (Keel - raw)", reason);
            return;
        }
        RawLatencyBaseline rawClient = baseline.get();
        section.field("raw_client", rawClient.description());
        Histogram raw = raw(ctx, rawClient);
        section.millis("raw_p50_ms", "raw client p50", micros(raw, 50));
        section.millis("raw_p99_ms", "raw client p99", micros(raw, 99));
        section.millis("raw_max_ms", "raw client max", raw.getMaxValue() / 1000.0);
        section.millis("added_p50_ms", "added p50 (Keel - raw)", micros(keel, 50) - micros(raw, 50));
        section.millis("added_p99_ms", "added p99 (Keel - raw)", micros(keel, 99) - micros(raw, 99));
    }

    private static Histogram keel(BenchContext ctx, Histogram confirms) throws Exception {
        BenchSettings s = ctx.settings;
        String topic = ctx.declare("latency", ctx.options.partitions(), GROUP);
        Histogram histogram = new ConcurrentHistogram(HIGHEST_MICROS, 3);
        Throughput received = new Throughput();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, GROUP, Codec.bytes())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(s.consumeLanes())
                .maxInFlight(s.consumeInFlight())
                .idempotencyPolicy(ConsumeBench.IDEMPOTENCY).closeTimeout(CLOSE_TIMEOUT).build();
        try (WatchedPass pass = WatchedPass.subscribe(ctx, config, d -> {
            record(histogram, d.payload());
            received.record();
        })) {
            List<CompletableFuture<PublishReceipt>> pending = new ArrayList<>(s.latencyMessages());
            measure(ctx, "Keel", received, pass.watch(), (i, payload, key) -> {
                CompletableFuture<PublishReceipt> f = ctx.keel.publisher()
                        .publishAsync(topic, Message.builder(payload).key(key).build()).toCompletableFuture();
                f.thenRun(() -> record(confirms, payload));
                pending.add(f);
            });
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
            pass.counted();
        }
        return histogram;
    }

    private static Histogram raw(BenchContext ctx, RawLatencyBaseline baseline) throws Exception {
        String topic = ctx.declare("latency-raw", ctx.options.partitions(), RAW_GROUP);
        Histogram histogram = new ConcurrentHistogram(HIGHEST_MICROS, 3);
        Throughput received = new Throughput();
        try (RawLatencyBaseline.Session session = baseline.open(topic, RAW_GROUP, payload -> {
            record(histogram, payload);
            received.record();
        })) {
            measure(ctx, baseline.id(), received, null, (i, payload, key) -> session.publish(key, payload));
        }
        return histogram;
    }

    /**
     * Every message a side's consumer handles for {@code measured} ones: the first, the warm-up and the measured
     * messages. Redis's work over the section is shared over all of them: each was claimed and marked done.
     */
    static long messagesHandled(int measured) {
        return 1L + warmup(measured) + measured;
    }

    /** The warm-up's messages before {@code measured} ones: as many as those when fewer than {@link #WARMUP_MESSAGES}. */
    private static int warmup(int measured) {
        return Math.min(WARMUP_MESSAGES, measured);
    }

    /**
     * One message first (the consumer has joined once it arrives), then {@link #WARMUP_MESSAGES} paced
     * messages that are not recorded (so that neither side's JIT warm-up, nor its clients' first use,
     * falls in its figures: without them, whichever side runs first in a fresh JVM pays for both), then
     * the paced messages measured, then waits for all; stops sooner when {@code watch} (Keel's side; null for the
     * raw client's) sees that they will not all arrive.
     */
    private static void measure(BenchContext ctx, String who, Throughput received, PassWatch watch, Sender sender)
            throws Exception {
        BenchSettings s = ctx.settings;
        sender.send(-1, payload(WARMUP_MARK, s), "k0");
        ctx.await(received::count, 1, "latency (" + who + "): waiting for the consumer to join", watch);
        int warmup = warmup(s.latencyMessages());
        pace(ctx, sender, warmup, true, "latency (" + who + "): warming up at " + s.latencyRate() + " msg/s");
        ctx.await(received::count, 1L + warmup, "latency (" + who + "): warming up", watch);
        pace(ctx, sender, s.latencyMessages(), false, "latency (" + who + "): publishing at " + s.latencyRate()
                + " msg/s");
        ctx.await(received::count, 1L + warmup + s.latencyMessages(), "latency (" + who + "): receiving",
                watch);
    }

    /** Sends {@code count} messages at the run's rate, each carrying its scheduled send time (or the warm-up mark). */
    private static void pace(BenchContext ctx, Sender sender, int count, boolean warmup, String label)
            throws Exception {
        BenchSettings s = ctx.settings;
        long interval = 1_000_000_000L / s.latencyRate();
        long start = System.nanoTime();
        ctx.progress.start(label, count);
        for (int i = 0; i < count; i++) {
            long due = start + i * interval;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            sender.send(i, payload(warmup ? WARMUP_MARK : due, s), "k" + (i % s.keys()));
            ctx.progress.advance(1);
        }
        ctx.progress.finish();
    }

    private static void record(Histogram histogram, byte[] payload) {
        long now = System.nanoTime();
        long sent = ByteBuffer.wrap(payload).getLong();
        if (sent != WARMUP_MARK) {
            histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (now - sent) / 1000)));
        }
    }

    private static double micros(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    /** The payload starts with the scheduled send time (nanoTime of this process). */
    private static byte[] payload(long sendNanos, BenchSettings s) {
        ByteBuffer payload = ByteBuffer.allocate(Math.max(Long.BYTES, s.payloadBytes()));
        payload.putLong(sendNanos);
        return payload.array();
    }
}
