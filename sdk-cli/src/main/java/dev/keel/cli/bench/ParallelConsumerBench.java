package dev.keel.cli.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keel's key-ordered lanes side by side with Confluent Parallel Consumer (KEY ordering) on the same
 * Kafka topic: one partition preloaded with {@code --lane-messages} over {@code --lane-keys} keys,
 * read by Keel (PER_KEY, {@code --lanes} lanes) and by the Parallel Consumer baseline jar with the
 * same concurrency and handler time, each with a fresh group. Parallel Consumer needs kafka-clients
 * 3.x, Keel 4.x: the baseline runs in its own JVM ({@code --parallel-consumer-jar}), which prints its
 * rate, timed like Keel's from the first handled message to the last, as one JSON line.
 */
final class ParallelConsumerBench {

    /** Where the build leaves the baseline jar, relative to the repository root. */
    static final String JAR_IN_BUILD = "parallel-consumer-baseline/target/parallel-consumer-baseline.jar";
    /** Time the child may take beyond {@code --timeout}: JVM start, group join, close. */
    static final Duration START_AND_CLOSE = Duration.ofSeconds(60);

    private ParallelConsumerBench() {
    }

    static void run(BenchContext ctx, BenchReport report, Path jar) throws Exception {
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
        // each side reads the topic once unmeasured, in a group of its own, before its measured pass (the
        // Parallel Consumer jar does so in its own JVM): neither pays for JIT warm-up in its timed window
        LanesBench.measure(ctx, topic, keelGroup + "-warmup", s.lanes(), latencyNanos);
        double keel = LanesBench.measure(ctx, topic, keelGroup, s.lanes(), latencyNanos);
        section.rate("keel_msgs_per_sec", "Keel, " + s.lanes() + " lanes (PER_KEY)", keel);
        JsonNode pc = runChild(ctx, jar, topic, pcGroup);
        double pcRate = pc.get("rate").asDouble();
        section.rate("pc_msgs_per_sec", "Parallel Consumer, maxConcurrency " + s.lanes() + " (KEY)", pcRate);
        if (pcRate > 0) {
            section.ratio("keel_over_pc", "ratio Keel / Parallel Consumer", keel / pcRate);
        } else {
            section.na("keel_over_pc", "ratio Keel / Parallel Consumer",
                    "Parallel Consumer's rate is 0 (fewer than 2 messages)");
        }
        section.count("pc_order_violations", "Parallel Consumer key-order violations",
                pc.get("orderViolations").asLong(), "");
    }

    /** Runs the baseline jar on {@code topic} with a fresh group; its result line. */
    private static JsonNode runChild(BenchContext ctx, Path jar, String topic, String group) throws Exception {
        BenchSettings s = ctx.settings;
        long timeoutSeconds = Math.max(1, s.timeout().toSeconds());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-jar", jar.toAbsolutePath().toString(),
                ctx.options.bootstrapServers(), topic, group, "" + s.laneMessages(), "" + s.lanes(),
                "" + s.handlerLatency().toMillis(), "KEY", "" + timeoutSeconds));
        Path stderr = Files.createTempFile("keel-bench-pc", ".log");
        Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        // two passes in the child (warm-up, then measured), each bounded by timeoutSeconds
        long deadline = System.nanoTime() + 2 * TimeUnit.SECONDS.toNanos(timeoutSeconds) + START_AND_CLOSE.toNanos();
        ctx.progress.start("pc: Parallel Consumer in its own JVM", s.laneMessages());
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
            if (json != null && json.get("messages").asLong() < s.laneMessages()) {
                throw new TimeoutException("pc: Parallel Consumer handled only " + json.get("messages").asLong()
                        + " of " + s.laneMessages() + " messages within " + timeoutSeconds + " s (--timeout)");
            }
            if (exit != 0 || json == null) {
                String log = Files.readString(stderr);
                throw new IllegalStateException("pc: the Parallel Consumer JVM failed (exit " + exit + ", jar "
                        + jar + "): " + lastLines(log, 5));
            }
            ctx.progress.set(json.get("messages").asLong());
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
