package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server that disabled the commands the store needs ({@code rename-command EVALSHA ""}, as some managed
 * services do with scripting) refuses them for as long as it runs: a typed, non-retriable refusal that names
 * the command, not "until Redis accepts writes again"; and nothing is claimed while no claim could be completed.
 */
class DisabledScriptingTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start("--rename-command", "EVALSHA", "", "--rename-command", "EVAL", "");
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void disabledScriptCommandsShouldBeARefusalNamingTheCommand() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host())
                .port(redis.port()).build())) {
            String token = NewOwners.token();
            // a claim is a plain SET, but nothing is claimed that could never be completed: the store's access check
            // (a script run) before its first claim is refused
            assertThatThrownBy(() -> store.claim(NS, "order-1", token, LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal).hasMessageContaining("unknown command");

            // a completion is a plain SET too on Redis 7.0 and later; a release is still a script run
            assertThatThrownBy(() -> store.release(NS, "order-1", token))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("unknown command")
                    .hasMessageContaining("GET, SET, DEL, EVAL and EVALSHA");
        }
    }
}
