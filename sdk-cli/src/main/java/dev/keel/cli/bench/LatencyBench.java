package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * End-to-end latency, from the publish call to the handler, under EFFECTIVELY_ONCE and PER_KEY, at
 * a steady publish rate (open loop: each message has its scheduled send time, so a stall shows up
 * in the percentiles instead of slowing the sender down).
 */
final class LatencyBench {

    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    static final long WARMUP_MARK = Long.MIN_VALUE;
    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

    private LatencyBench() {
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        BenchReport.Section section = report.section("latency", "end-to-end latency, publish to handler ("
                + s.latencyMessages() + " messages at " + s.latencyRate() + " msg/s, EFFECTIVELY_ONCE, PER_KEY, "
                + s.consumeLanes() + " lanes)")
                .field("messages", s.latencyMessages()).field("rate_msgs_per_sec", s.latencyRate());
        String topic = ctx.declare("latency", ctx.options.partitions(), "bench-latency");
        Histogram histogram = new ConcurrentHistogram(HIGHEST_MICROS, 3);
        Throughput received = new Throughput();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, "bench-latency", Codec.bytes())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(s.consumeLanes())
                .idempotencyPolicy(ConsumeBench.IDEMPOTENCY).closeTimeout(CLOSE_TIMEOUT).build();
        Subscription sub = ctx.keel.subscribe(config, d -> {
            long now = System.nanoTime();
            long sent = ByteBuffer.wrap(d.payload()).getLong();
            if (sent != WARMUP_MARK) {
                histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (now - sent) / 1000)));
            }
            received.record();
        });
        try {
            // one message first: the subscription has joined its group once it arrives
            ctx.keel.publisher().publishAsync(topic, message(WARMUP_MARK, 0, s)).toCompletableFuture()
                    .get(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
            ctx.await(received::count, 1, "latency: waiting for the consumer to join");
            List<CompletableFuture<PublishReceipt>> pending = new ArrayList<>(s.latencyMessages());
            long interval = 1_000_000_000L / s.latencyRate();
            long start = System.nanoTime();
            ctx.progress.start("latency: publishing at " + s.latencyRate() + " msg/s", s.latencyMessages());
            for (int i = 0; i < s.latencyMessages(); i++) {
                long due = start + i * interval;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                pending.add(ctx.keel.publisher().publishAsync(topic, message(due, i, s)).toCompletableFuture());
                ctx.progress.advance(1);
            }
            ctx.progress.finish();
            ctx.await(received::count, s.latencyMessages() + 1L, "latency: receiving");
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        } finally {
            sub.close(CLOSE_TIMEOUT);
        }
        section.millis("p50_ms", "p50", histogram.getValueAtPercentile(50) / 1000.0);
        section.millis("p95_ms", "p95", histogram.getValueAtPercentile(95) / 1000.0);
        section.millis("p99_ms", "p99", histogram.getValueAtPercentile(99) / 1000.0);
        section.millis("p999_ms", "p99.9", histogram.getValueAtPercentile(99.9) / 1000.0);
        section.millis("max_ms", "max", histogram.getMaxValue() / 1000.0);
    }

    /** The payload starts with the scheduled send time (nanoTime of this process). */
    private static Message message(long sendNanos, int i, BenchSettings s) {
        ByteBuffer payload = ByteBuffer.allocate(Math.max(Long.BYTES, s.payloadBytes()));
        payload.putLong(sendNanos);
        return Message.builder(payload.array()).key("k" + (i % s.keys())).build();
    }
}
