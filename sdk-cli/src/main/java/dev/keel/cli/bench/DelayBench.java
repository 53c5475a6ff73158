package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import dev.keel.spi.Capability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Delay accuracy: publishes messages with delays spread evenly at random over 1-3 s and measures how
 * late each reaches the handler (its arrival on this machine's wall clock minus the due time it
 * carries in {@code keel-deliver-at}). Early arrivals are counted apart (there should be none).
 */
final class DelayBench {

    static final int DEFAULT_MESSAGES = 300;
    static final Duration MIN_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofSeconds(3);
    private static final long HIGHEST_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private DelayBench() {
    }

    static void run(BenchContext ctx, BenchReport report, int messages) throws Exception {
        BenchSettings s = ctx.settings;
        BenchReport.Section section = report.section("delay", "delayed delivery: lateness after the due time ("
                + messages + " messages, delays 1-3 s, AT_LEAST_ONCE, " + s.consumeLanes() + " lanes)")
                .field("messages", messages);
        if (!ctx.adapter.capabilities().contains(Capability.DELAYED_DELIVERY)) {
            section.na("p50_ms", "lateness", "the adapter does not declare DELAYED_DELIVERY");
            return;
        }
        String topic = ctx.declare("delay", ctx.options.partitions(), "bench-delay");
        Histogram lateness = new ConcurrentHistogram(HIGHEST_MILLIS, 3);
        AtomicLong early = new AtomicLong();
        AtomicLong earliest = new AtomicLong();
        Throughput received = new Throughput();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, "bench-delay", Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.PER_KEY).lanes(s.consumeLanes())
                .closeTimeout(LatencyBench.CLOSE_TIMEOUT).build();
        Subscription sub = ctx.keel.subscribe(config, d -> {
            long now = System.currentTimeMillis();
            String due = d.keelHeaders().get(KeelHeaders.DELIVER_AT);
            if (due != null) {
                long late = now - Long.parseLong(due);
                if (late < 0) {
                    early.incrementAndGet();
                    earliest.accumulateAndGet(late, Math::min);
                }
                lateness.recordValue(Math.min(HIGHEST_MILLIS, Math.max(0, late)));
            }
            received.record();
        });
        try {
            // one undelayed message first: the subscription has joined its group once it arrives
            ctx.keel.publisher().publishAsync(topic, Message.builder(ctx.payload()).key("k0").build())
                    .toCompletableFuture().get(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
            ctx.await(received::count, 1, "delay: waiting for the consumer to join");
            Random random = new Random(messages);
            long spread = MAX_DELAY.toMillis() - MIN_DELAY.toMillis();
            List<CompletableFuture<PublishReceipt>> pending = new ArrayList<>(messages);
            ctx.progress.start("delay: publishing", messages);
            for (int i = 0; i < messages; i++) {
                Duration delay = MIN_DELAY.plusMillis((long) (random.nextDouble() * spread));
                Message m = Message.builder(ctx.payload()).key("k" + (i % s.keys())).delay(delay).build();
                pending.add(ctx.keel.publisher().publishAsync(topic, m).toCompletableFuture());
                ctx.progress.advance(1);
            }
            ctx.progress.finish();
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
            ctx.await(received::count, messages + 1L, "delay: receiving");
        } finally {
            sub.close(LatencyBench.CLOSE_TIMEOUT);
        }
        section.millis("p50_ms", "lateness p50", lateness.getValueAtPercentile(50));
        section.millis("p99_ms", "lateness p99", lateness.getValueAtPercentile(99));
        section.millis("max_ms", "lateness max", lateness.getMaxValue());
        section.count("early", "arrived early", early.get(), "messages");
        if (early.get() > 0) {
            section.millis("earliest_ms", "earliest (before due)", -earliest.get());
        }
    }
}
