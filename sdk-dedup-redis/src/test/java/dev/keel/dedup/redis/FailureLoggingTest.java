package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store logs one WARN when Redis stops answering (or refuses), not one per failed call, also when the
 * failure is that of entries of a pipelined batch (a refused key, a write no replica acknowledged) rather than
 * of the connection: a consumer retries every {@code storeRetryInterval}, and a WARN per retry would flood the log.
 */
class FailureLoggingTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final String USER = "keel-app";
    private static final String PASSWORD = "app-s3cret-pw";
    private static final int CALLS = 5;

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        // no replica; the user may touch no key under keel:
        redis = RedisServerProcess.start("--user", USER, "on", ">" + PASSWORD, "resetkeys", "~other:*", "-@all",
                "+get", "+set", "+del", "+eval", "+evalsha");
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void repeatedlyRefusedBatchesShouldBeWarnedAboutOnce() {
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host())
                     .port(redis.port()).user(USER).password(PASSWORD).build())) {
            for (int i = 0; i < CALLS; i++) {
                assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("a", "b"), LEASE))
                        .isInstanceOf(KeelException.class);
            }
            assertThat(log.linesContaining("refused access")).as("WARN lines in:%n%s", log.text()).isEqualTo(1);
        }
    }

    @Test
    void repeatedlyUnacknowledgedBatchesShouldBeWarnedAboutOnce() {
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host())
                     .port(redis.port()).waitForReplicas(1, Duration.ofMillis(50)).build())) {
            for (int i = 0; i < CALLS; i++) {
                assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("c", "d"), LEASE))
                        .isInstanceOf(KeelException.class);
            }
            assertThat(log.linesContaining("acknowledged by 0 of the 1 replicas")).as("WARN lines in:%n%s", log.text())
                    .isEqualTo(1);
        }
    }
}
