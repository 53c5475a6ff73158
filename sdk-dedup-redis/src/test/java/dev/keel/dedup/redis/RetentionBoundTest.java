package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A retention past {@link IdempotencyPolicy#MAX_RETENTION}, on a real redis-server: rejected as an invalid
 * argument, not sent to Redis (which refuses a {@code PX} that far out and would be taken for an outage); the
 * maximum itself is kept.
 */
class RetentionBoundTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void aRetentionBeyondTheMaximumShouldBeRejectedNotReportedAsAnOutage() {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host())
                     .port(redis.port()).build())) {
            String token = NewOwners.token();
            assertThat(store.claim(NS, "m-1", token, LEASE).isClaimed()).isTrue();

            assertThatThrownBy(() -> store.complete(NS, "m-1", token, Duration.ofMillis(Long.MAX_VALUE)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most PT876000H");
            assertThat(store.complete(NS, "m-1", token, IdempotencyPolicy.MAX_RETENTION)).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claim(NS, "m-1", NewOwners.token(), LEASE).status()).isEqualTo(ClaimResult.Status.DUPLICATE);
        }
    }
}
