package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;

/**
 * A bench whose Redis fails under a pass stops with Redis's failure, at once: it does not wait out {@code --timeout}
 * for messages a paused subscription or a failing handler will never count.
 */
class BenchRedisFailureTest {

    /** Long enough that a bench waiting it out is told apart from one that stopped at the failure. */
    private static final String TIMEOUT = "120s";

    @Test
    void aNaivePassWhoseRedisUserMayNotWriteItsKeysShouldFailNamingTheRefusalNotTheTimeout() throws Exception {
        try (PrivateRedis redis = PrivateRedis.start();
             Jedis admin = new Jedis(URI.create(redis.uri()))) {
            // the store's keys (keel:*) may be written, the bench's own (keel-bench:*) may not
            admin.aclSetUser("store-only", "on", ">pw", "~keel:*", "+@all");
            String uri = redis.uri().replace("redis://", "redis://store-only:pw@");

            CliRun run = CliRun.of("bench", "--only", "consume", "--messages", "200", "--keys", "10", "--redis", uri,
                    "--timeout", TIMEOUT, "--json", "--no-progress");

            assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).contains("consume naive dedup").contains("its handler failed").contains("NOPERM")
                    .doesNotContain("--timeout").doesNotContain("pw@");
        }
    }

    @Test
    void aRedisGoneDuringTheEffectivelyOncePassesShouldFailNamingTheStoreNotTheTimeout() throws Exception {
        PrivateRedis redis = PrivateRedis.start();
        try (RedisClient watcher = RedisClient.create(URI.create(redis.uri()))) {
            CompletableFuture<CliRun> bench = CompletableFuture.supplyAsync(() -> CliRun.of("bench", "--only",
                    "consume", "--messages", "20000", "--keys", "100", "--redis", redis.uri(), "--timeout", TIMEOUT,
                    "--json", "--no-progress"));
            // the first EFFECTIVELY_ONCE warm-up pass has claimed ids: Redis goes away under it
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5))
                    .until(() -> !watcher.scan(ScanParams.SCAN_POINTER_START,
                            new ScanParams().match("keel:*").count(10_000)).getResult().isEmpty());
            redis.close();

            CliRun run = bench.get(5, TimeUnit.MINUTES);

            assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).contains("Redis").doesNotContain("--timeout");
        } finally {
            redis.close();
        }
    }
}
