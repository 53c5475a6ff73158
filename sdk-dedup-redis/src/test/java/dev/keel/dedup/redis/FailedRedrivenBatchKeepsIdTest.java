package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A re-driven copy's claim takes its id's dead mark. When its batch fails after Redis ran it (here: a wait for a
 * replica that is not there falls short), the store used to undo what the batch newly claimed by deleting the
 * keys: the dead id was left with no mark, and the dead-lettered original, delivered again, ran as a new message. The
 * claim is now left in place, held by the copy's token (BUSY to others), for the engine to claim again with the same
 * token or to give back, which puts the dead mark back (a read-only review's find).
 */
class FailedRedrivenBatchKeepsIdTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration RETENTION = Duration.ofHours(1);

    private RedisServerProcess redis;
    private RedisIdempotencyStore plain;
    private RedisIdempotencyStore waiting;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        plain = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port()).build());
        // no replica: every write's wait falls short, after the write ran
        waiting = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .waitForReplicas(1, Duration.ofMillis(100)).build());
    }

    @AfterEach
    void stop() {
        waiting.close();
        plain.close();
        redis.close();
    }

    @Test
    void aFailedReDrivenClaimBatchShouldNotLeaveTheDeadIdFree() {
        assertThat(plain.claim(NS, "m1", "t0", LEASE).isClaimed()).isTrue();
        assertThat(plain.markDead(NS, "m1", "t0", RETENTION)).isEqualTo(LeaseOutcome.APPLIED);

        assertThatThrownBy(() -> waiting.claimAllRedriven(NS, List.of(new Lease("m1", "t1")), LEASE))
                .isInstanceOf(StoreUnavailableException.class);

        assertThat(plain.claim(NS, "m1", "original-again", LEASE).status())
                .as("the dead-lettered original, delivered again, right after the failed batch")
                .isEqualTo(ClaimResult.Status.BUSY);
        // the engine gives the copy back: its release puts the dead mark back
        assertThat(plain.markDead(NS, "m1", "t1", RETENTION)).isEqualTo(LeaseOutcome.APPLIED);
        assertThat(plain.claim(NS, "m1", "original-again", LEASE).status()).isEqualTo(ClaimResult.Status.DUPLICATE);
    }
}
