package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server that disabled the commands the store needs ({@code rename-command EVALSHA ""}, as some managed
 * services do with scripting) refuses them for as long as it runs: a typed, non-retriable refusal that names
 * the command, not "until Redis accepts writes again".
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
            assertThat(store.claim(NS, "order-1", token, LEASE).isClaimed()).as("a claim is a plain SET").isTrue();

            assertThatThrownBy(() -> store.complete(NS, "order-1", token, LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("unknown command")
                    .hasMessageContaining("GET, SET, DEL, EVAL and EVALSHA");
        }
    }
}
