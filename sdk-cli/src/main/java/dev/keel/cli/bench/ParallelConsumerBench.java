package dev.keel.cli.bench;

import dev.keel.cli.ChildProcesses;
import dev.keel.cli.broker.RawConsumeBaseline;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keel side by side with Confluent Parallel Consumer (KEY ordering) on the same Kafka topics, in three
 * workloads, each read by Keel and by the Parallel Consumer baseline jar with the same concurrency
 * ({@code --lanes}) and handler time, each side in fresh groups:
 * <ul>
 *   <li>{@code pc}: key-ordered parallelism, one partition preloaded with {@code --lane-messages} over
 *       {@code --lane-keys} keys, handler {@code --handler-latency};</li>
 *   <li>{@code pc_throughput}: per-message overhead, {@code --partitions} partitions preloaded with
 *       {@code --messages} over {@code --keys} keys, an empty handler, against the raw client's poll
 *       loop;</li>
 *   <li>{@code pc_join}: a second consumer joins the group when 30% of {@code --join-messages} (over
 *       {@code --lane-keys} keys, {@code --partitions} partitions, handler {@code --handler-latency})
 *       are handled, AT_LEAST_ONCE; counted: the handlers that ran twice, and the joiner's own handler
 *       runs (0 when it got no partition before the end: that pass shows no rebalance).</li>
 * </ul>
 * Parallel Consumer needs kafka-clients 3.x, Keel 4.x: the baseline runs in its own JVM
 * ({@code --parallel-consumer-jar}), which prints its result, timed like Keel's from the first handled
 * message to the last, as one JSON line. Each side reads each topic once unmeasured first, in a group
 * of its own, so that neither pays for JIT warm-up in its timed window.
 */
final class ParallelConsumerBench {

    /** Where the build leaves the baseline jar, relative to the repository root. */
    static final String JAR_IN_BUILD = "parallel-consumer-baseline/target/parallel-consumer-baseline.jar";
    /** Time the child may take beyond {@code --timeout}: JVM start, group join, close. */
    static final Duration START_AND_CLOSE = Duration.ofSeconds(60);
    /** The share of the join workload handled before the second consumer joins. */
    static final double JOIN_AT = 0.3;

    private ParallelConsumerBench() {
    }

    static void run(BenchContext ctx, BenchReport report, Path jar, int joinMessages) throws Exception {
        lanes(ctx, report, jar);
        throughput(ctx, report, jar);
        join(ctx, report, jar, joinMessages);
    }

    /** Key-ordered parallelism on one partition with a handler that takes time. */
    private static void lanes(BenchContext ctx, BenchReport report, Path jar) throws Exception {
        BenchSettings s = ctx.settings;
        long latencyNanos = s.handlerLatency().toNanos();
        BenchReport.Section section = report.section("pc", "key-ordered lanes vs Confluent Parallel Consumer "
                + "(1 partition, " + s.laneMessages() + " messages over " + s.laneKeys() + " keys, handler takes "
                + s.handlerLatency().toMillis() + " ms, " + s.lanes() + "-way)")
                .field("messages", s.laneMessages()).field("keys", s.laneKeys())
                .field("handler_latency_ms", s.handlerLatency().toMillis()).field("concurrency", s.lanes());
        String keelGroup = "bench-pc-keel";
        String pcGroup = "keel-bench-" + ctx.runId + "-pc-group";
        String topic = ctx.declare("pc", 1, keelGroup + "-warmup", keelGroup, pcGroup + "-warmup", pcGroup);
        ctx.preload(topic, s.laneMessages(), s.laneKeys(), "preload pc topic");
        LanesBench.measure(ctx, topic, keelGroup + "-warmup", s.lanes(), latencyNanos, s.laneMessages());
        double keel = LanesBench.measure(ctx, topic, keelGroup, s.lanes(), latencyNanos, s.laneMessages());
        section.rate("keel_msgs_per_sec", "Keel, " + s.lanes() + " lanes (PER_KEY)", keel);
        JsonNode pc = runChild(ctx, jar, new Child(topic, pcGroup, s.laneMessages(), s.handlerLatency().toMillis(), 0));
        compare(section, keel, pc.get("rate").asDouble(), s.lanes());
        section.count("pc_order_violations", "Parallel Consumer key-order violations",
                pc.get("orderViolations").asLong(), "");
    }

    /** Per-message overhead: several partitions, an empty handler, next to the raw client's poll loop. */
    private static void throughput(BenchContext ctx, BenchReport report, Path jar) throws Exception {
        BenchSettings s = ctx.settings;
        int partitions = ctx.options.partitions();
        BenchReport.Section section = report.section("pc_throughput", "empty handler, Keel vs Confluent Parallel "
                + "Consumer vs the raw client (" + partitions + " partitions, " + s.messages() + " messages of "
                + s.payloadBytes() + " B over " + s.keys() + " keys, " + s.lanes() + "-way)")
                .field("messages", s.messages()).field("keys", s.keys()).field("partitions", partitions)
                .field("concurrency", s.lanes());
        String keelGroup = "bench-pct-keel";
        String pcGroup = "keel-bench-" + ctx.runId + "-pct-group";
        String rawGroup = "bench-pct-raw";
        String topic = ctx.declare("pct", partitions, keelGroup + "-warmup", keelGroup, pcGroup + "-warmup",
                pcGroup, rawGroup + "-warmup", rawGroup);
        ctx.preload(topic, s.messages(), s.keys(), "preload pc_throughput topic");
        LanesBench.measure(ctx, topic, keelGroup + "-warmup", s.lanes(), 0, s.messages());
        double keel = LanesBench.measure(ctx, topic, keelGroup, s.lanes(), 0, s.messages());
        section.rate("keel_msgs_per_sec", "Keel, " + s.lanes() + " lanes (PER_KEY, AT_LEAST_ONCE)", keel);
        Optional<RawConsumeBaseline> raw = ctx.mode.rawConsumeBaseline(ctx.options);
        if (raw.isPresent()) {
            // an unmeasured pass first, as Keel and Parallel Consumer have
            RawConsume.measure(ctx, raw.get(), topic, rawGroup + "-warmup", "pc_throughput: " + raw.get().id()
                    + " warm-up");
            double rawRate = RawConsume.measure(ctx, raw.get(), topic, rawGroup, "pc_throughput: " + raw.get().id());
            section.rate("raw_msgs_per_sec", raw.get().description(), rawRate);
            section.ratio("keel_over_raw", "ratio Keel / raw client", keel / rawRate);
        }
        JsonNode pc = runChild(ctx, jar, new Child(topic, pcGroup, s.messages(), 0, 0));
        compare(section, keel, pc.get("rate").asDouble(), s.lanes());
    }

    /**
     * A consumer joins the group at 30%, AT_LEAST_ONCE: the handler runs above the distinct messages
     * are the messages handled twice because of the rebalance.
     */
    private static void join(BenchContext ctx, BenchReport report, Path jar, int messages) throws Exception {
        BenchSettings s = ctx.settings;
        int partitions = ctx.options.partitions();
        int joinAt = (int) (messages * JOIN_AT);
        BenchReport.Section section = report.section("pc_join", "a consumer joins at " + Math.round(JOIN_AT * 100)
                + "%, Keel vs Confluent Parallel Consumer (" + partitions + " partitions, " + messages
                + " messages over " + s.laneKeys() + " keys, handler takes " + s.handlerLatency().toMillis()
                + " ms, " + s.lanes() + "-way, AT_LEAST_ONCE)")
                .field("messages", messages).field("keys", s.laneKeys()).field("partitions", partitions)
                .field("concurrency", s.lanes());
        String keelGroup = "bench-pcj-keel";
        String pcGroup = "keel-bench-" + ctx.runId + "-pcj-group";
        String topic = ctx.declare("pcj", partitions, keelGroup + "-warmup", keelGroup, pcGroup + "-warmup",
                pcGroup);
        ctx.preload(topic, messages, s.laneKeys(), "preload pc_join topic");
        JoinRuns.measure(ctx, topic, keelGroup + "-warmup", messages, joinAt);
        JoinRuns.Result keel = JoinRuns.measure(ctx, topic, keelGroup, messages, joinAt);
        section.count("keel_handled_twice", "Keel: handlers run twice", keel.handledTwice(), "runs");
        section.count("keel_handled_by_joiner", "Keel: handler runs of the consumer that joined (0: no rebalance)",
                keel.handledBySecond(), "runs");
        JsonNode pc = runChild(ctx, jar, new Child(topic, pcGroup, messages, s.handlerLatency().toMillis(), joinAt));
        section.count("pc_handled_twice", "Parallel Consumer: handlers run twice",
                pc.get("messages").asLong() - pc.get("distinct").asLong(), "runs");
        section.count("pc_handled_by_joiner", "Parallel Consumer: handler runs of the consumer that joined",
                pc.get("joinerRuns").asLong(), "runs");
    }

    private static void compare(BenchReport.Section section, double keel, double pcRate, int concurrency) {
        section.rate("pc_msgs_per_sec", "Parallel Consumer, maxConcurrency " + concurrency + " (KEY)", pcRate);
        if (pcRate > 0) {
            section.ratio("keel_over_pc", "ratio Keel / Parallel Consumer", keel / pcRate);
        } else {
            section.na("keel_over_pc", "ratio Keel / Parallel Consumer",
                    "Parallel Consumer's rate is 0 (fewer than 2 messages)");
        }
    }

    /** What the child JVM reads: a topic, a fresh group, the messages to wait for, and when a second joins. */
    private record Child(String topic, String group, int messages, long handlerMillis, int joinAt) {
    }

    /** Runs the baseline jar on {@code topic} with a fresh group; its result line. */
    private static JsonNode runChild(BenchContext ctx, Path jar, Child c) throws Exception {
        BenchSettings s = ctx.settings;
        long timeoutSeconds = Math.max(1, s.timeout().toSeconds());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-jar", jar.toAbsolutePath().toString(),
                ctx.options.bootstrapServers(), c.topic(), c.group(), "" + c.messages(), "" + s.lanes(),
                "" + c.handlerMillis(), "KEY", "" + timeoutSeconds, "" + c.joinAt()));
        Path stderr = Files.createTempFile("keel-bench-pc", ".log");
        Process child = ChildProcesses.start(new ProcessBuilder(command).redirectError(stderr.toFile()));
        // two passes in the child (warm-up, then measured), each bounded by timeoutSeconds
        long deadline = System.nanoTime() + 2 * TimeUnit.SECONDS.toNanos(timeoutSeconds) + START_AND_CLOSE.toNanos();
        ctx.progress.start("Parallel Consumer in its own JVM", c.messages());
        try {
            child.getOutputStream().close();
            List<String> lines = new ArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                } catch (java.io.IOException e) {
                    // the child was killed: its exit code and stderr tell why
                }
            }, "keel-bench-pc-stdout");
            reader.setDaemon(true);
            reader.start();
            if (!child.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                child.destroyForcibly();
                throw new TimeoutException("pc: the Parallel Consumer JVM did not finish within "
                        + (timeoutSeconds + START_AND_CLOSE.toSeconds()) + " s (--timeout plus start and close)");
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            String result;
            synchronized (lines) {
                result = lines.stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
            }
            int exit = child.exitValue();
            JsonNode json = result == null ? null : JsonMapper.builder().build().readTree(result);
            if (json != null && json.get("distinct").asLong() < c.messages()) {
                throw new TimeoutException("pc: Parallel Consumer handled only " + json.get("distinct").asLong()
                        + " of " + c.messages() + " messages within " + timeoutSeconds + " s (--timeout)");
            }
            if (exit != 0 || json == null) {
                String log = Files.readString(stderr);
                throw new IllegalStateException("pc: the Parallel Consumer JVM failed (exit " + exit + ", jar "
                        + jar + "): " + lastLines(log, 5));
            }
            ctx.progress.set(json.get("distinct").asLong());
            return json;
        } finally {
            ctx.progress.finish();
            child.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    private static String lastLines(String log, int n) {
        String[] lines = log.strip().split("\n");
        return String.join(" | ", List.of(lines).subList(Math.max(0, lines.length - n), lines.length));
    }
}
