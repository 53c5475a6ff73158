package dev.keel.cli.bench;

import dev.keel.cli.ChildProcesses;
import dev.keel.cli.broker.BrokerOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumer memory under a large backlog: the backlog is published first, then consumed by a Keel
 * subscription in a child JVM with a small heap ({@value #HEAP}, the same class path), so the limit
 * applies to the consumer only. The child reports the heap in use after each collection: its peak,
 * and the highest of the last third of the run against the first third (flat means bounded by the
 * in-flight limit, not by the backlog).
 */
final class MemoryBench {

    public static final int DEFAULT_MESSAGES = 1_000_000;
    /**
     * The embedded broker keeps its backlog in the consumer's own JVM (about 0.5 KB a message with
     * Keel's headers), so on it the backlog is capped to fit the heap limit.
     */
    static final int EMBEDDED_MAX_MESSAGES = 100_000;
    static final String HEAP = "256m";
    static final String GROUP = "bench-memory";
    static final double MIB = 1024.0 * 1024.0;
    static final String OUT_OF_MEMORY = "java.lang.OutOfMemoryError";

    private MemoryBench() {
    }

    static void run(BenchContext ctx, BenchReport report, int requested) throws Exception {
        run(ctx, report, requested, HEAP);
    }

    /** With another heap limit ({@code -Xmx} value), for tests. */
    static void run(BenchContext ctx, BenchReport report, int requested, String heap) throws Exception {
        BenchSettings s = ctx.settings;
        boolean embedded = ctx.mode.name().equals(BrokerOptions.DEFAULT_BROKER);
        int backlog = embedded ? Math.min(requested, EMBEDDED_MAX_MESSAGES) : requested;
        String topic;
        if (embedded) {
            topic = "keel-bench-" + ctx.runId + "-memory";
        } else {
            topic = ctx.declare("memory", ctx.options.partitions(), GROUP);
            ctx.preload(topic, backlog, s.keys(), "memory: preload backlog");
        }
        BenchReport.Section section = report.section("memory", "consumer memory, a backlog of " + backlog
                + " messages consumed in a JVM with -Xmx" + heap + " (PER_KEY, " + s.consumeLanes() + " lanes"
                + (embedded ? "; the embedded broker's backlog is in the same heap" : "") + "; runs once)")
                .field("messages", backlog).field("heap_limit", "-Xmx" + heap);
        if (backlog < requested) {
            section.field("capped_from", requested);
        }
        JsonNode result = runChild(ctx, topic, backlog, heap);
        if (result == null) {
            section.count("out_of_memory_errors", "OutOfMemoryError in the consumer JVM", 1, "");
            return;
        }
        section.field("guarantee", result.get("guarantee").asString());
        section.count("consumed", "messages consumed (" + result.get("guarantee").asString() + ")",
                result.get("consumed").asLong(), "msgs");
        section.rate("msgs_per_sec", "consume rate", result.get("msgs_per_sec").asDouble());
        section.count("out_of_memory_errors", "OutOfMemoryError in the consumer JVM", 0, "");
        if (result.has("backlog_heap_bytes")) {
            section.megabytes("backlog_heap_mib", "heap after GC before consuming (with the embedded broker's "
                    + "backlog)", mib(result, "backlog_heap_bytes"));
        } else if (result.has("start_heap_bytes")) {
            section.megabytes("start_heap_mib", "heap after GC before consuming", mib(result, "start_heap_bytes"));
        }
        section.megabytes("peak_heap_after_gc_mib", "peak heap after GC", mib(result, "peak_heap_after_gc_bytes"));
        section.megabytes("first_third_max_mib", "highest heap after GC, first third of the run",
                mib(result, "first_third_max_bytes"));
        section.megabytes("last_third_max_mib", "highest heap after GC, last third of the run",
                mib(result, "last_third_max_bytes"));
        HeapTrend trend = new HeapTrend(result.get("collections").asInt(),
                result.get("peak_heap_after_gc_bytes").asLong(), result.get("first_third_max_bytes").asLong(),
                result.get("last_third_max_bytes").asLong());
        if (Double.isNaN(trend.growth())) {
            section.na("heap_growth", "heap growth, last third / first third",
                    "too few collections (" + trend.collections() + ") to compare: use more --memory-messages");
        } else {
            section.ratio("heap_growth", "heap growth, last third / first third (1.00 = flat)", trend.growth());
        }
        section.count("collections", "garbage collections while consuming", trend.collections(), "");
    }

    private static double mib(JsonNode result, String field) {
        return result.get(field).asLong() / MIB;
    }

    /** Runs the child; its result, or {@code null} when it ran out of memory. */
    private static JsonNode runChild(BenchContext ctx, String topic, int backlog, String heap) throws Exception {
        BenchSettings s = ctx.settings;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = Files.createTempFile("keel-bench-memory", ".log");
        List<String> command = List.of(java, "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName());
        Process child = ChildProcesses.start(new ProcessBuilder(command).redirectError(stderr.toFile()));
        long timeoutSeconds = s.timeout().toSeconds();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds)
                + MemoryProbe.START_AND_CLOSE.toNanos();
        Thread watchdog = new Thread(() -> {
            try {
                if (!child.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        }, "keel-bench-memory-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            try (Writer in = child.outputWriter(StandardCharsets.UTF_8)) {
                for (String arg : childArgs(ctx, topic, backlog, timeoutSeconds)) {
                    in.write(arg + "\n");
                }
            }
            ctx.progress.start("memory: consuming in a -Xmx" + heap + " JVM", backlog);
            String resultLine = null;
            boolean outOfMemory = false;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith(MemoryProbe.PROGRESS)) {
                        ctx.progress.set(Long.parseLong(line.substring(MemoryProbe.PROGRESS.length()).trim()));
                    } else if (line.startsWith(MemoryProbe.RESULT)) {
                        resultLine = line.substring(MemoryProbe.RESULT.length());
                    } else if (line.contains(OUT_OF_MEMORY)) {
                        // -XX:+ExitOnOutOfMemoryError says "Terminating due to java.lang.OutOfMemoryError" on stdout
                        outOfMemory = true;
                    }
                }
            } finally {
                ctx.progress.finish();
            }
            int exit = child.waitFor();
            String log = Files.readString(stderr);
            if (outOfMemory || log.contains(OUT_OF_MEMORY)) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("memory: the consumer JVM did not finish within " + timeoutSeconds
                        + " s (--timeout)");
            }
            if (exit != 0 || resultLine == null) {
                throw new IllegalStateException("memory: the consumer JVM failed (exit " + exit + "): "
                        + lastLines(log, 5));
            }
            JsonNode result = JsonMapper.builder().build().readTree(resultLine);
            if (result.get("consumed").asLong() < backlog) {
                throw new TimeoutException("memory: the consumer JVM consumed only " + result.get("consumed").asLong()
                        + " of " + backlog + " messages within " + timeoutSeconds + " s (--timeout)");
            }
            return result;
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }

    private static List<String> childArgs(BenchContext ctx, String topic, int backlog, long timeoutSeconds) {
        BrokerOptions o = ctx.options;
        BenchSettings s = ctx.settings;
        List<String> args = new ArrayList<>(List.of("--broker", o.broker(), "--bootstrap-servers", o.bootstrapServers(),
                "--rabbit-uri", o.rabbitUri(), "--namesrv", o.namesrv(), "--partitions", "" + o.partitions(),
                "--redis-wait-replicas", "" + o.redisWaitReplicas(),
                "--topic", topic, "--group", GROUP, "--messages", "" + backlog, "--keys", "" + s.keys(),
                "--payload-bytes", "" + s.payloadBytes(), "--lanes", "" + s.consumeLanes(),
                "--timeout", "" + timeoutSeconds));
        if (ctx.store.isRedis()) {
            args.add("--redis");
            args.add(ctx.store.redisUri()); // through the latency proxy of --redis-latency, when there is one
        }
        // on stdin, like the rest: the URLs may hold secrets in their parameters; the passwords stay in the
        // environment variables the child inherits, named by --artemis-password-env and --activemq-password-env
        args.addAll(List.of("--artemis-url", o.artemisUrl(), "--activemq-url", o.activemqUrl()));
        args.addAll(o.loginArgs());
        args.addAll(o.tlsOptions().args());
        return args;
    }

    private static String lastLines(String log, int n) {
        String[] lines = log.strip().split("\n");
        return String.join(" | ", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - n),
                lines.length));
    }
}
