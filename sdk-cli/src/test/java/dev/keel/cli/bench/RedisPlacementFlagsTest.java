package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.CliRun;
import dev.keel.cli.DurationConverter;
import dev.keel.cli.EnvironmentException;
import dev.keel.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --redis-latency} and {@code --redis-cpus}: parsing and the refusals, none of which needs a broker or Redis. */
class RedisPlacementFlagsTest {

    @Test
    void microsecondsShouldParseAsADuration() {
        DurationConverter converter = new DurationConverter();
        assertThat(converter.convert("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(converter.convert("250\u00b5s")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(converter.convert("2ms")).isEqualTo(Duration.ofMillis(2));
    }

    @Test
    void redisLatencyWithoutRedisShouldBeRefusedNamingTheFlag() {
        CliRun run = CliRun.of("bench", "--redis-latency", "250us", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--redis-latency acts on the Redis of --redis, and there is none")
                .contains("--redis redis://127.0.0.1:6379").doesNotContain("at dev.keel");
    }

    @Test
    void redisCpusWithoutRedisShouldBeRefusedNamingTheFlag() {
        CliRun run = CliRun.of("bench", "--redis-cpus", "1", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--redis-cpus acts on the Redis of --redis, and there is none");
    }

    @Test
    void eitherFlagOnARedisClusterShouldBeRefusedBeforeConnecting() {
        // nothing listens on ports 1 and 2: the refusal comes before any connection
        CliRun run = CliRun.of("bench", "--redis", "redis://127.0.0.1:1,127.0.0.1:2", "--redis-latency", "1ms",
                "--redis-cpus", "1", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--redis-latency and --redis-cpus act on one Redis server, not on a Redis "
                + "Cluster");
    }

    @Test
    void aLatencyOfZeroOrAboveOneSecondShouldBeRefusedBeforeConnecting() {
        for (String latency : new String[] {"0us", "2s"}) {
            CliRun run = CliRun.of("bench", "--redis", "redis://127.0.0.1:1", "--redis-latency", latency,
                    "--no-progress");

            assertThat(run.exitCode()).as(latency).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).as(latency).contains("--redis-latency must be above 0 and at most 1000 ms");
        }
    }

    @Test
    void aMalformedCpuListShouldBeRefusedBeforeConnecting() {
        CliRun run = CliRun.of("bench", "--redis", "redis://127.0.0.1:1", "--redis-cpus", "3-1", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--redis-cpus: '3-1': the range 3-1 runs backwards");
    }

    @Test
    void aRedisWhoseProcessIdIsNoProcessHereShouldBeRefusedAsNotLocal() {
        assertThatThrownBy(() -> RedisPinning.localPid("redis_version:7.0.15\r\nprocess_id:2147483646\r\n"
                + "tcp_port:6379\r\n", "10.0.0.5:6379"))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--redis-cpus pins a Redis server that runs on this host")
                .hasMessageContaining("no process of this host").hasMessageContaining("leave out --redis-cpus");
    }

    @Test
    void aProcessIdThatIsAnotherProgramHereShouldBeRefusedAsNotLocal() {
        // as a Redis in a container reports a process id of its own namespace, which here is something else
        long self = ProcessHandle.current().pid();
        assertThatThrownBy(() -> RedisPinning.localPid("process_id:" + self + "\r\ntcp_port:6379\r\n",
                "127.0.0.1:6379"))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("not a Redis server on port 6379");
    }

    @Test
    void anInfoWithoutProcessIdShouldBeRefused() {
        assertThatThrownBy(() -> RedisPinning.localPid("redis_version:7.0.15\r\n", "127.0.0.1:6379"))
                .isInstanceOf(EnvironmentException.class).hasMessageContaining("reports no process_id");
    }

    @Test
    void tasksetShouldBeLookedForOnThePath(@TempDir Path empty) throws IOException {
        assertThat(Affinity.tasksetOn(empty.toString())).isFalse();
        assertThat(Affinity.tasksetOn(null)).isFalse();
        Path fake = Files.createFile(empty.resolve(Affinity.TASKSET));
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        assertThat(Affinity.tasksetOn("/nonexistent" + java.io.File.pathSeparator + empty)).isTrue();
    }

    @Test
    void latenciesShouldPrintInTheirUnit() {
        assertThat(RedisDistance.format(Duration.ofNanos(250_000))).isEqualTo("250 \u00b5s");
        assertThat(RedisDistance.format(Duration.ofMillis(1))).isEqualTo("1 ms");
        assertThat(RedisDistance.format(Duration.ofNanos(1_500_000))).isEqualTo("1.5 ms");
    }
}
