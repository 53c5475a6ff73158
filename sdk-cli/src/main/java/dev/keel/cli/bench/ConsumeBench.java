package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.cli.broker.BatchWork;
import dev.keel.cli.broker.RawConsumeBaseline;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.ordering.Ordering;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Consume throughput of one preloaded topic, read by one group per variant: AT_LEAST_ONCE,
 * EFFECTIVELY_ONCE (claims batched by the engine), and AT_LEAST_ONCE with a naive dedup in the
 * handler (GET, then SET, two Redis round trips per message).
 */
final class ConsumeBench {

    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    static final long NAIVE_KEY_TTL_SECONDS = 600;
    /** Done ids are kept only as long as a bench needs them: the keys expire soon after the run. */
    static final IdempotencyPolicy IDEMPOTENCY = IdempotencyPolicy.custom().retention(Duration.ofMinutes(10)).build();
    static final String WARMUP_GROUP = "bench-warmup";
    static final String EO_WARMUP_GROUP = "bench-warmup-eo";
    /**
     * The most warm-up rounds, each an AT_LEAST_ONCE and an EFFECTIVELY_ONCE pass of the whole topic with groups of
     * their own, repeated until the JIT is quiet over one ({@link JitQuiet}). One round was not enough: with the JVM on
     * one core (Redis pinned) the compiler's threads still took about 40% of that core during the measured
     * EFFECTIVELY_ONCE pass, so the pass measured the JIT as much as Keel.
     */
    static final int WARMUP_ROUNDS = 5;
    /**
     * Messages a warm-up round needs for another to be worth its time: a short run (a smoke run, a test) warms up once,
     * as its rounds end before the compiler catches up anyway.
     */
    static final int WARMUP_ROUND_MESSAGES = 4_000;
    /** The group of the raw client's consume baseline, where the broker has one. */
    static final String RAW_GROUP = "bench-raw";
    /** The group of the raw client's loop with a pipelined claim and done mark per message ({@link PipelinedDedup}). */
    static final String HAND_WRITTEN_GROUP = "bench-raw-eo";
    /** The group of the same loop with its done marks in rounds of one message per key ({@link KeyOrderedDedup}). */
    static final String KEY_ORDERED_GROUP = "bench-raw-eo-keys";

    private ConsumeBench() {
    }

    static void run(BenchContext ctx, BenchReport report) throws Exception {
        BenchSettings s = ctx.settings;
        boolean redis = ctx.store.isRedis();
        String storeName = redis ? "Redis" : "in-memory store";
        BenchReport.Section section = report.section("consume", "consume (" + s.messages() + " messages, PER_KEY, "
                + s.consumeLanes() + " lanes, " + s.consumeInFlight() + " in flight, idempotency store: "
                + ctx.store.description() + ")")
                .field("messages", s.messages()).field("store", ctx.store.description())
                .field("in_flight", s.consumeInFlight());
        Optional<RawConsumeBaseline> raw = ctx.mode.rawConsumeBaseline(ctx.options);
        int warmupRounds = maxWarmupRounds(s.messages());
        List<String> groups = new ArrayList<>(warmupGroups(warmupRounds));
        groups.addAll(List.of("bench-alo", "bench-eo"));
        if (redis) {
            groups.add("bench-naive");
        }
        if (raw.isPresent()) {
            groups.add(RAW_GROUP);
        }
        boolean handWritten = redis && raw.isPresent() && raw.get().handsOutBatches();
        if (handWritten) {
            groups.add(HAND_WRITTEN_GROUP);
            groups.add(KEY_ORDERED_GROUP);
        }
        String topic = ctx.declare("consume", ctx.options.partitions(), groups.toArray(String[]::new));
        ctx.preload(topic, s.messages(), s.keys(), "preload consume topic");
        RedisRoom.Outcome room = makeRoom(ctx, warmupRounds);
        try {
            if (redis) {
                reportRoom(section, room);
            }
            // unmeasured passes first, both guarantees in each round, so that no measured variant pays for JIT warm-up
            // (the EFFECTIVELY_ONCE path runs code that AT_LEAST_ONCE never touches)
            int[] round = {0};
            JitQuiet.Warmup warmup = JitQuiet.ofThisJvm().warmUp(() -> {
                round[0]++;
                measure(ctx, topic, warmupGroup(WARMUP_GROUP, round[0]), DeliveryGuarantee.AT_LEAST_ONCE, null,
                        "consume warm-up " + round[0]);
                measure(ctx, topic, warmupGroup(EO_WARMUP_GROUP, round[0]), DeliveryGuarantee.EFFECTIVELY_ONCE, null,
                        "consume warm-up " + round[0] + " (EFFECTIVELY_ONCE)");
            }, warmupRounds);
            section.count("warmup_rounds", "warm-up rounds, each both guarantees (until the JIT was quiet, or its cap)",
                    warmup.rounds(), "rounds");
            section.count("warmup_jit_quiet", "  the JIT quiet at its end (1), or the cap reached (0)",
                    warmup.quiet() ? 1 : 0, "");
            section.amount("warmup_last_jit_percent", "  the JIT's compiling in the last round, % of its time",
                    100 * warmup.lastShare(), "%");

            JvmCpu aloCpu = JvmCpu.start();
            double alo = measure(ctx, topic, "bench-alo", DeliveryGuarantee.AT_LEAST_ONCE, null, "consume AT_LEAST_ONCE");
            section.rate("at_least_once_msgs_per_sec", "AT_LEAST_ONCE", alo);
            aloCpu.report(section, "jvm_cpu_alo_usec_per_msg", "AT_LEAST_ONCE", s.messages());
            if (raw.isPresent()) {
                RawConsumeBaseline baseline = raw.get();
                JvmCpu rawCpu = JvmCpu.start();
                double rawRate = RawConsume.measure(ctx, baseline, topic, RAW_GROUP, "consume " + baseline.id());
                section.rate(baseline.id() + "_msgs_per_sec", baseline.description(), rawRate);
                rawCpu.report(section, "jvm_cpu_" + baseline.id() + "_usec_per_msg", baseline.id(), s.messages());
                section.ratio("alo_over_" + baseline.id(), "ratio AT_LEAST_ONCE / " + baseline.id(), alo / rawRate);
            }
            Optional<RedisWork> redisWork = redisWork(ctx);
            JvmCpu eoCpu = JvmCpu.start();
            double eo = measure(ctx, topic, "bench-eo", DeliveryGuarantee.EFFECTIVELY_ONCE, null,
                    "consume EFFECTIVELY_ONCE");
            Optional<Map<String, RedisWork.Counter>> redisDone = redisWork.map(RedisWork::since);
            section.rate("effectively_once_msgs_per_sec", "EFFECTIVELY_ONCE, batched claims (" + storeName + ")", eo);
            eoCpu.report(section, "jvm_cpu_eo_usec_per_msg", "EFFECTIVELY_ONCE", s.messages());
            section.ratio("eo_over_alo", "ratio EFFECTIVELY_ONCE / AT_LEAST_ONCE", eo / alo);
            if (redisDone.isPresent()) {
                RedisWork.report(section, "redis_eo", redisDone.get(), s.messages(), "EFFECTIVELY_ONCE");
            } else if (redis) {
                section.na("redis_eo_usec_per_msg", "Redis time per EFFECTIVELY_ONCE message",
                        "INFO commandstats of a standalone Redis needed (a cluster, or INFO refused)");
            }
            if (!redis) {
                String reason = "needs --redis (e.g. --redis redis://127.0.0.1:6379)";
                section.na("naive_dedup_msgs_per_sec", "naive dedup, GET+SET per message", reason);
                section.na("eo_over_naive", "ratio EFFECTIVELY_ONCE (Redis) / naive dedup", reason);
                return;
            }
            if (handWritten) {
                handWritten(ctx, section, raw.get(), topic, alo, eo, HandWritten.WHOLE_BATCHES);
                handWritten(ctx, section, raw.get(), topic, alo, eo, HandWritten.KEY_ORDERED);
            }
            String prefix = "keel-bench:" + ctx.runId + ":naive:";
            try (RedisClient jedis = RedisClient.create(URI.create(ctx.store.redisUri()))) {
                MessageHandler<byte[]> naive = d -> {
                    String key = prefix + d.id();
                    if (jedis.get(key) == null) {
                        jedis.set(key, "1", SetParams.setParams().ex(NAIVE_KEY_TTL_SECONDS));
                    }
                };
                try {
                    double naiveRate = measure(ctx, topic, "bench-naive", DeliveryGuarantee.AT_LEAST_ONCE, naive,
                            "consume naive dedup");
                    section.rate("naive_dedup_msgs_per_sec", "AT_LEAST_ONCE + naive dedup, GET+SET per message",
                            naiveRate);
                    section.ratio("eo_over_naive", "ratio EFFECTIVELY_ONCE / naive dedup", eo / naiveRate);
                } finally {
                    // also when the pass failed or a signal stopped the bench (its thread interrupted): the subscription
                    // is closed by then, so no handler writes a key after this
                    deleteKeysAfter(jedis, prefix, "naive dedup's");
                }
            }
        } finally {
            room.close();
        }
    }

    /**
     * On a standalone Redis store, room for every key the section's passes add ({@link RedisRoom}), so that none of
     * them pays for Redis's key tables doubling.
     */
    private static RedisRoom.Outcome makeRoom(BenchContext ctx, int warmupRounds) {
        if (!ctx.store.isRedis()) {
            return new RedisRoom.NotMade("no Redis store");
        }
        if (ctx.store.isCluster()) {
            return new RedisRoom.NotMade("not on a cluster: its keys spread over nodes");
        }
        return RedisRoom.make(ctx.store.redisUri(), "keel-bench:" + ctx.runId + ":room:",
                roomFor(ctx.settings.messages(), warmupRounds), ctx.progress);
    }

    /** The report's row for the room: the fillers it took, or why none. */
    private static void reportRoom(BenchReport.Section section, RedisRoom.Outcome room) {
        String label = "Redis filler keys first (deleted after): no pass pays for a key table doubling";
        if (room instanceof RedisRoom.Made made) {
            section.count("redis_room_keys", label, made.fillers(), "keys");
        } else if (room instanceof RedisRoom.NotMade notMade) {
            section.na("redis_room_keys", label, notMade.reason());
        }
    }

    /**
     * The most keys a section of {@code messages} holds in the store's Redis at once, beyond those before it: one per
     * message of each EFFECTIVELY_ONCE pass ({@code warmupRounds} and the measured one), which stay until their
     * retention ends, and one per message of one more pass, as the naive dedup and the hand-written loops delete
     * theirs after their pass.
     */
    static long roomFor(int messages, int warmupRounds) {
        return (long) messages * (warmupRounds + 2);
    }

    /** A hand-written loop's work on each batch, with the threads it closes. */
    interface LoopWork extends BatchWork, AutoCloseable {
        @Override
        void close();
    }

    /** The two shapes of the hand-written effectively-once loop, with their report's names. */
    enum HandWritten {
        /** A batch's done marks in one pipeline: the least Redis work. */
        WHOLE_BATCHES(HAND_WRITTEN_GROUP, "hand_written", "hand-written",
                " + a pipelined claim and done mark per message (the least effectively-once work)",
                "ratio that / AT_LEAST_ONCE (the most EO / ALO can be)"),
        /** Done marks in rounds of one message per key: a key's done mark before its next message, as Keel keeps. */
        KEY_ORDERED(KEY_ORDERED_GROUP, "key_ordered", "key-ordered hand-written",
                " + the same, done marks in rounds of one message per key (a key's done mark before its next)",
                "ratio that / AT_LEAST_ONCE");

        final String group;
        /** Names the report's lines: {@code <id>_eo_msgs_per_sec}, {@code jvm_cpu_<id>_usec_per_msg}, ... */
        final String id;
        final String who;
        final String description;
        final String ratioText;

        HandWritten(String group, String id, String who, String description, String ratioText) {
            this.group = group;
            this.id = id;
            this.who = who;
            this.description = description;
            this.ratioText = ratioText;
        }

        /** The loop's work on each batch, its keys {@code prefix + id}. */
        LoopWork work(RedisClient jedis, String prefix) {
            DedupWrites writes = DedupWrites.on(jedis);
            return this == WHOLE_BATCHES ? new PipelinedDedup(writes, prefix) : new KeyOrderedDedup(writes, prefix);
        }
    }

    /**
     * The raw client's loop with a pipelined claim and done mark per message: the rate no effectively-once consumer
     * with two Redis writes per message passes here, so the EFFECTIVELY_ONCE / AT_LEAST_ONCE ratio this machine
     * allows is at most this rate over Keel's AT_LEAST_ONCE; its key-ordered shape keeps each key's done mark before
     * the key's next message, as Keel does: a simple consumer with Keel's guarantee to compare Keel with, not a
     * ceiling.
     */
    private static void handWritten(BenchContext ctx, BenchReport.Section section, RawConsumeBaseline baseline,
                                    String topic, double alo, double eo, HandWritten shape) throws Exception {
        String prefix = "keel-bench:" + ctx.runId + ":" + shape.group + ":" + topic + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(ctx.store.redisUri()))) {
            try (LoopWork work = shape.work(jedis, prefix)) {
                Optional<RedisWork> redisWork = redisWork(ctx);
                JvmCpu cpu = JvmCpu.start();
                double rate = RawConsume.measure(ctx, baseline, topic, shape.group, work,
                        "consume " + baseline.id() + " + pipelined claims" + (shape == HandWritten.KEY_ORDERED
                                ? " (rounds per key)" : ""));
                Optional<Map<String, RedisWork.Counter>> redisDone = redisWork.map(RedisWork::since);
                section.rate(shape.id + "_eo_msgs_per_sec", baseline.id() + shape.description, rate);
                cpu.report(section, "jvm_cpu_" + shape.id + "_usec_per_msg", shape.who, ctx.settings.messages());
                redisDone.ifPresent(delta -> RedisWork.cost(section, "redis_" + shape.id, delta,
                        ctx.settings.messages(), shape.who));
                section.ratio(shape.id + "_eo_over_alo", shape.ratioText, rate / alo);
                section.ratio("eo_over_" + shape.id + "_eo", "ratio EFFECTIVELY_ONCE / that", eo / rate);
            } finally {
                deleteKeysAfter(jedis, prefix, shape.who + " dedup's");
            }
        }
    }

    /** Deletes a pass's keys, warning when it cannot (they expire anyway); keeps the thread's interrupt. */
    private static void deleteKeysAfter(RedisClient jedis, String prefix, String whose) {
        boolean interrupted = Thread.interrupted();
        try {
            deleteKeys(jedis, prefix);
        } catch (RuntimeException e) {
            System.err.println("keel: warning: could not delete the " + whose + " Redis keys " + prefix + "* (they "
                    + "expire within " + NAIVE_KEY_TTL_SECONDS + " s): " + e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Redis's own counters before the measured EFFECTIVELY_ONCE pass, on a standalone {@code --redis} (deltas, never
     * reset: everything the Redis serves during the pass counts); empty otherwise.
     */
    static Optional<RedisWork> redisWork(BenchContext ctx) {
        return ctx.store.isRedis() && !ctx.store.isCluster() ? RedisWork.start(ctx.store.redisUri()) : Optional.empty();
    }

    /** Deletes the naive dedup's keys (they would expire anyway). */
    private static void deleteKeys(RedisClient jedis, String prefix) {
        ScanParams match = new ScanParams().match(prefix + "*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = jedis.scan(cursor, match);
            if (!page.getResult().isEmpty()) {
                jedis.unlink(page.getResult().toArray(String[]::new));
            }
            cursor = page.getCursor();
        } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
    }

    /** Warm-up rounds a run of {@code messages} may take: one, and one more per {@link #WARMUP_ROUND_MESSAGES}. */
    static int maxWarmupRounds(int messages) {
        return Math.max(1, Math.min(WARMUP_ROUNDS, messages / WARMUP_ROUND_MESSAGES));
    }

    /**
     * The groups of {@code rounds} warm-up rounds, declared with the topic: only those a run may take, since on
     * RabbitMQ, Artemis and ActiveMQ Classic each group's queues hold a copy of the preload until it is read.
     */
    static List<String> warmupGroups(int rounds) {
        List<String> groups = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            groups.add(warmupGroup(WARMUP_GROUP, round));
            groups.add(warmupGroup(EO_WARMUP_GROUP, round));
        }
        return groups;
    }

    /** A warm-up round's group: the first round's is {@code base} itself. */
    static String warmupGroup(String base, int round) {
        return round == 1 ? base : base + "-" + round;
    }

    static double measure(BenchContext ctx, String topic, String group, DeliveryGuarantee guarantee,
                                  MessageHandler<byte[]> work, String label) throws Exception {
        Throughput t = new Throughput();
        SubscriptionConfig<byte[]> config = SubscriptionConfig.builder(topic, group, Codec.bytes())
                .guarantee(guarantee).ordering(Ordering.PER_KEY).lanes(ctx.settings.consumeLanes())
                .maxInFlight(ctx.settings.consumeInFlight())
                .idempotencyPolicy(IDEMPOTENCY).closeTimeout(CLOSE_TIMEOUT).build();
        try (WatchedPass pass = WatchedPass.subscribe(ctx, config, d -> {
            if (work != null) {
                work.handle(d);
            }
            t.record();
        })) {
            ctx.await(t::count, ctx.settings.messages(), label, pass.watch());
            pass.counted();
        }
        return t.perSecond();
    }
}
