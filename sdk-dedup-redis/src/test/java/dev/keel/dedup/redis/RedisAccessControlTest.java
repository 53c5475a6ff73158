package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AUTH and ACL against a redis-server whose default user is off and whose users may run only what
 * the store needs (GET, SET, DEL, EVAL, EVALSHA; one also WAIT) on keys under {@code keel:}. A refusal (wrong
 * password, no credentials, a missing permission) is a typed, non-retriable error that names the user and what
 * to grant, never an outage.
 */
class RedisAccessControlTest {

    private static final String USER = "keel-app";
    private static final String PASSWORD = "app-s3cret-pw";
    private static final String WAITING_USER = "keel-waiting-app";
    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start("--user", "default", "off",
                "--user", USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                "+get", "+set", "+del", "+eval", "+evalsha",
                "--user", WAITING_USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                "+get", "+set", "+del", "+eval", "+evalsha", "+wait");
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisStoreConfig.Builder config() {
        return RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofMillis(500));
    }

    @Test
    void leastPrivilegedAclUserShouldClaimCompleteAndRelease() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().user(USER).password(PASSWORD).build())) {
            ClaimResult a = store.claim(NS, "a", NewOwners.token(), LEASE);
            List<ClaimResult> batch = store.claimAll(NS, NewOwners.claims("b", "c"), LEASE);

            assertThat(store.complete(NS, "a", a.token(), LEASE)).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.completeAll(NS, List.of(new Lease("b", batch.get(0).token())), LEASE))
                    .containsExactly(LeaseOutcome.APPLIED);
            assertThat(store.release(NS, "c", batch.get(1).token())).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claimAll(NS, NewOwners.claims("a", "b", "c"), LEASE)).extracting(ClaimResult::status)
                    .containsExactly(ClaimResult.Status.DUPLICATE, ClaimResult.Status.DUPLICATE, ClaimResult.Status.CLAIMED);
        }
    }

    @Test
    void uriCredentialsShouldWorkLikeBuilderCredentials() {
        String uri = "redis://" + USER + ":" + PASSWORD + "@" + redis.hostPort();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(uri).build())) {
            assertThat(store.claim(NS, "via-uri", NewOwners.token(), LEASE).isClaimed()).isTrue();
        }
    }

    @Test
    void wrongPasswordShouldBeANonRetriableRefusalThatNamesTheUserButNotThePassword() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().user(USER).password("wrong-pw-123").build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE)).satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("refused access for user '" + USER + "'")
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageContaining("check the user, password and ACL")
                    .hasMessageNotContaining("wrong-pw-123").hasMessageNotContaining(PASSWORD);
        }
    }

    @Test
    void missingCredentialsShouldBeANonRetriableRefusal() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().build())) {
            assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("a"), LEASE)).satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("refused access for user 'default'");
        }
    }

    @Test
    void keysOutsideTheGrantedPatternShouldBeANonRetriableRefusalNamingThePrefix() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().user(USER).password(PASSWORD)
                .keyPrefix("other").build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE)).satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("keys 'other:*'");
            assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("a", "b"), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal).hasMessageContaining("keys 'other:*'");
            assertThatThrownBy(() -> store.completeAll(NS, NewOwners.claims("a", "b"), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal).hasMessageContaining("keys 'other:*'");
        }
    }

    @Test
    void waitForReplicasWithoutWaitPermissionShouldBeARefusalNamingWait() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().user(USER).password(PASSWORD)
                .waitForReplicas(1, Duration.ofMillis(100)).build())) {
            assertThatThrownBy(() -> store.claim(NS, "waited", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("'wait'")
                    .hasMessageContaining("GET, SET, DEL, EVAL, EVALSHA and WAIT");
        }
    }

    @Test
    void waitForReplicasWithWaitPermissionShouldRunTheWait() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config().user(WAITING_USER).password(PASSWORD)
                .waitForReplicas(1, Duration.ofMillis(100)).build())) {
            // the WAIT ran: no replica acknowledged it (the server has none), a retriable failure
            assertThatThrownBy(() -> store.claim(NS, "waited", NewOwners.token(), LEASE))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("acknowledged by 0 of the 1 replicas");
        }
    }

    /** A refusal that waiting does not cure: a typed, non-retriable KeelException, not an outage. */
    static void isRefusal(Throwable error) {
        assertThat(error).isInstanceOf(RedisRefusedException.class);
        assertThat(((KeelException) error).isRetriable()).as("retriable").isFalse();
    }
}
