package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.KeelCli;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.StoreChoice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code --redis-latency} and {@code --redis-cpus} on the embedded broker and a private redis-server this
 * test starts (never a shared one: pinning it would slow whoever else uses it): a short consume section
 * through the latency proxy with Redis pinned, the pinning of every thread and its restoration, and the
 * refusals that need a real Redis. Skipped where redis-server is not installed or only one CPU is usable.
 */
class BenchRedisPlacementTest {

    private static PrivateRedis redis;

    @BeforeAll
    static void startPrivateRedis() throws IOException {
        redis = PrivateRedis.start();
    }

    @AfterAll
    static void stopPrivateRedis() throws InterruptedException {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void consumeThroughTheLatencyProxyWithRedisPinnedShouldMeasureEveryVariantAndGiveTheCpusBack() {
        long self = ProcessHandle.current().pid();
        CpuList benchBefore = Affinity.of(self);
        assumeThat(benchBefore.size()).as("CPUs this JVM may use").isGreaterThanOrEqualTo(2);
        CpuList redisBefore = Affinity.of(redis.pid());
        CpuList redisCpus = lastCpu(benchBefore);

        CliRun run = CliRun.of("bench", "--only", "consume", "--messages", "100", "--keys", "10", "--redis", uri(),
                "--redis-latency", "250us", "--redis-cpus", redisCpus.toString(), "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.get("store").asString()).contains("through a proxy adding 250 \u00b5s each way");
        assertThat(json.get("redis_latency_each_way_ms").asDouble()).isEqualTo(0.25);
        assertThat(json.get("redis_cpus").asString()).isEqualTo(redisCpus.toString());
        assertThat(json.get("bench_cpus").asString()).isEqualTo(benchBefore.minus(redisCpus).toString());
        JsonNode consume = json.get("consume");
        assertThat(consume.get("effectively_once_msgs_per_sec").asDouble()).isPositive();
        assertThat(consume.get("naive_dedup_msgs_per_sec").asDouble()).isPositive();
        assertThat(consume.get("eo_over_naive").asDouble()).isPositive();
        assertThat(Affinity.of(redis.pid())).as("Redis's CPUs after the run").isEqualTo(redisBefore);
        assertThat(Affinity.of(self)).as("this JVM's CPUs after the run").isEqualTo(benchBefore);
    }

    @Test
    void theTableHeaderShouldSayRedisIsAtADistanceAndPinned() {
        CpuList benchBefore = Affinity.of(ProcessHandle.current().pid());
        assumeThat(benchBefore.size()).isGreaterThanOrEqualTo(2);

        CliRun run = CliRun.of("bench", "--only", "consume", "--messages", "50", "--keys", "5", "--redis", uri(),
                "--redis-latency", "1ms", "--redis-cpus", lastCpu(benchBefore).toString(), "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("Redis at a distance: every Redis client of this run")
                .contains("delays each direction by 1 ms (a round trip 2 ms longer")
                .contains("Redis pinned: the Redis server (process " + redis.pid() + ") on CPU "
                        + lastCpu(benchBefore));
    }

    @Test
    void pinningShouldMoveEveryThreadOfRedisAndOfThisJvmAndRestoreShouldGiveThemBack() throws IOException {
        long self = ProcessHandle.current().pid();
        CpuList benchBefore = Affinity.of(self);
        assumeThat(benchBefore.size()).isGreaterThanOrEqualTo(2);
        CpuList redisBefore = Affinity.of(redis.pid());
        CpuList redisCpus = lastCpu(benchBefore);
        StoreChoice store = StoreChoice.from(new BrokerOptions().redis(uri()));

        RedisPinning pinning = RedisPinning.pin(store, redisCpus);
        try {
            assertThat(threadAffinities(redis.pid())).as("every Redis thread").isNotEmpty()
                    .allMatch(redisCpus::equals);
            assertThat(threadAffinities(self)).as("every thread of this JVM")
                    .allMatch(benchBefore.minus(redisCpus)::equals);
        } finally {
            assertThat(pinning.restore()).as("no warning").isNull();
        }
        assertThat(threadAffinities(redis.pid())).allMatch(redisBefore::equals);
        assertThat(threadAffinities(self)).allMatch(benchBefore::equals);
        assertThat(pinning.restore()).as("a second restore does nothing").isNull();
    }

    @Test
    void redisCpusLeavingNoneForTheBenchShouldBeRefusedWithoutPinning() {
        CpuList benchBefore = Affinity.of(ProcessHandle.current().pid());
        CpuList redisBefore = Affinity.of(redis.pid());

        CliRun run = CliRun.of("bench", "--only", "consume", "--redis", uri(), "--redis-cpus", benchBefore.toString(),
                "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("leaves none of the bench's CPUs (" + benchBefore + ") for the bench itself");
        assertThat(Affinity.of(redis.pid())).isEqualTo(redisBefore);
    }

    @Test
    void withoutTasksetOnThePathRedisCpusShouldBeRefusedSayingWhatToInstall(@TempDir Path emptyPath)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp",
                System.getProperty("java.class.path"), KeelCli.class.getName(), "bench", "--only", "consume",
                "--redis", uri(), "--redis-cpus", "0", "--no-progress").redirectErrorStream(true);
        builder.environment().put("PATH", emptyPath.toString());
        Process child = builder.start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(child.exitValue()).as(output).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(output).contains("--redis-cpus pins with taskset, which is not on the PATH: install util-linux");
    }

    @Test
    void aBenchStoppedWithSigtermShouldGiveRedisItsCpusBack() throws IOException, InterruptedException {
        CpuList benchBefore = Affinity.of(ProcessHandle.current().pid());
        assumeThat(benchBefore.size()).isGreaterThanOrEqualTo(2);
        CpuList redisBefore = Affinity.of(redis.pid());
        CpuList redisCpus = lastCpu(benchBefore);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a consume pass long enough to be stopped in the middle: 1 ms each way, a million messages
        Process child = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                KeelCli.class.getName(), "bench", "--only", "consume", "--messages", "1000000", "--redis", uri(),
                "--redis-latency", "1ms", "--redis-cpus", redisCpus.toString(), "--no-progress")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Affinity.of(redis.pid()).equals(redisCpus)
                    || !child.isAlive());
            assertThat(child.isAlive()).as("the bench runs, Redis pinned").isTrue();

            child.destroy(); // SIGTERM: the shutdown hook restores
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

            assertThat(Affinity.of(redis.pid())).as("Redis's CPUs after SIGTERM").isEqualTo(redisBefore);
        } finally {
            child.destroyForcibly();
        }
    }

    private static CpuList lastCpu(CpuList cpus) {
        String list = cpus.toString();
        String last = list.substring(Math.max(list.lastIndexOf(','), list.lastIndexOf('-')) + 1);
        return CpuList.parse(last);
    }

    private static List<CpuList> threadAffinities(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", "" + pid, "task"))) {
            return tasks.map(BenchRedisPlacementTest::allowedCpus).flatMap(Optional::stream).toList();
        }
    }

    /** A thread's Cpus_allowed_list; empty when it ended meanwhile. */
    private static Optional<CpuList> allowedCpus(Path task) {
        try {
            return Files.readAllLines(task.resolve("status")).stream().filter(l -> l.startsWith("Cpus_allowed_list:"))
                    .findFirst().map(l -> CpuList.parse(l.substring(l.indexOf(':') + 1)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String uri() {
        return redis.uri();
    }
}
