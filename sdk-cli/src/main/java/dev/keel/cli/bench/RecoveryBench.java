package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.ordering.Ordering;
import dev.keel.testkit.Crash;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recovery after a consumer crash, EFFECTIVELY_ONCE, PER_KEY, default lease: a consumer of a
 * preloaded topic is crashed once it has handled a third of it (it acknowledges nothing more, and
 * its claims stay until their lease expires, as a dead process's would), and its successor starts in
 * the same group at once. Measured from the crash: the successor's first message, the moment every
 * id the crashed consumer held (claimed, not done) is done, and the successor's rate after that,
 * next to the rate before the crash. The crashed consumer leaves its group at once, so the broker's
 * own failure detection (Kafka's session timeout) is not included.
 */
final class RecoveryBench {

    static final String GROUP = "bench-recovery";
    /** Rates after recovery need this many messages to mean anything. */
    static final int MIN_MESSAGES_FOR_RATE = 100;

    private RecoveryBench() {
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        IdempotencyPolicy policy = IdempotencyPolicy.custom().retention(ConsumeBench.IDEMPOTENCY.retention()).build();
        BenchReport.Section section = report.section("recovery", "recovery after a consumer crash (" + s.messages()
                + " messages, EFFECTIVELY_ONCE, PER_KEY, " + s.consumeLanes() + " lanes, lease " + policy.lease()
                .toSeconds() + " s, crash after a third)").field("messages", s.messages())
                .field("lease_sec", policy.lease().toSeconds());
        String topic = ctx.declare("recovery", ctx.options.partitions(), GROUP);
        ctx.preload(topic, s.messages(), s.keys(), "preload recovery topic");
        ClaimTracker tracker = new ClaimTracker(ctx.idempotencyStore);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        int crashAfter = Math.max(1, s.messages() / 3);
        Throughput before = new Throughput();
        Throughput after = new Throughput();
        CompletableFuture<Void> crashNow = new CompletableFuture<>();
        CompletableFuture<Void> crashed = new CompletableFuture<>();
        AtomicLong successorFirst = new AtomicLong(-1);
        AtomicLong recoveredAt = new AtomicLong(-1);
        AtomicLong successorTotal = new AtomicLong();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, GROUP, Codec.bytes())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(s.consumeLanes())
                .idempotencyPolicy(policy).closeTimeout(ConsumeBench.CLOSE_TIMEOUT).build();
        try (Keel keel = Keel.builder(ctx.adapter).idempotencyStore(tracker).build()) {
            Subscription crashing = keel.subscribe(config, d -> {
                handled.add(d.id()); // also after the crash: the effect of a handler still running is applied
                if (crashNow.isDone()) {
                    // a handler running when the process dies never finishes: held until the crash happened, so
                    // that a fast consumer cannot finish the rest of its claims between the trigger and the crash
                    awaitQuietly(crashed, ctx);
                    return;
                }
                before.record();
                if (before.count() >= crashAfter) {
                    crashNow.complete(null);
                }
            });
            ctx.await(before::count, crashAfter, "recovery: first consumer");
            long crashedAt = System.nanoTime();
            CompletableFuture<Void> crash = Crash.crash(crashing).toCompletableFuture();
            crashed.complete(null);
            wait(crash, ctx);
            Set<String> held = tracker.held();
            Subscription successor = keel.subscribe(config, d -> {
                successorFirst.compareAndSet(-1, System.nanoTime());
                handled.add(d.id());
                successorTotal.incrementAndGet();
                if (recoveredAt.get() >= 0) {
                    after.record();
                }
            });
            try {
                ctx.await(() -> {
                    if (recoveredAt.get() < 0 && tracker.allDone(held)) {
                        recoveredAt.compareAndSet(-1, System.nanoTime());
                    }
                    return recoveredAt.get() >= 0 ? handled.size() : 0;
                }, s.messages(), "recovery: successor");
            } finally {
                successor.close(ConsumeBench.CLOSE_TIMEOUT);
            }
            section.field("held_by_crashed", held.size());
            section.count("held_by_crashed_count", "ids the crashed consumer held (claimed, not done)", held.size(),
                    "ids");
            section.rate("before_crash_msgs_per_sec", "rate before the crash", before.perSecond());
            section.seconds("successor_first_sec", "crash -> successor's first message",
                    (successorFirst.get() - crashedAt) / 1e9);
            section.seconds("recovery_sec", "crash -> every held id done (recovery)",
                    (recoveredAt.get() - crashedAt) / 1e9);
            if (after.count() >= MIN_MESSAGES_FOR_RATE) {
                section.rate("after_recovery_msgs_per_sec", "successor rate after recovery", after.perSecond());
                section.ratio("after_over_before", "ratio after recovery / before the crash",
                        after.perSecond() / before.perSecond());
            } else {
                String reason = "only " + after.count() + " messages were left after recovery (need "
                        + MIN_MESSAGES_FOR_RATE + "; use more --messages)";
                section.na("after_recovery_msgs_per_sec", "successor rate after recovery", reason);
                section.na("after_over_before", "ratio after recovery / before the crash", reason);
            }
        }
    }

    /** Waits for {@code f} at most the run's timeout; gives up quietly (the run's own checks report a stall). */
    private static void awaitQuietly(CompletableFuture<Void> f, BenchContext ctx) {
        try {
            f.get(ctx.settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the crash did not come: the run fails on its own timeout
        }
    }

    private static void wait(CompletableFuture<Void> crash, BenchContext ctx) throws TimeoutException {
        try {
            crash.get(ctx.settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while crashing the consumer", e);
        } catch (ExecutionException e) {
            throw BenchContext.unwrap(e);
        }
    }
}
