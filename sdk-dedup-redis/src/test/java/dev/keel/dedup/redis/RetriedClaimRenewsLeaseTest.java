package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A claim retried by the token that holds the id (a retry whose first reply was lost, or a renewal)
 * answers CLAIMED and counts the lease again from now: the key's PTTL, cut short beforehand with a
 * plain client, is back near the lease. Each test uses a key prefix of its own on the harness's Redis.
 */
class RetriedClaimRenewsLeaseTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final long NEAR_THE_LEASE_MS = 50_000;
    private static final long CUT_SHORT_MS = 1_000;

    private static RedisClient raw;
    private RedisIdempotencyStore store;
    private String prefix;

    @BeforeAll
    static void connect() {
        raw = RedisClient.create(URI.create(Brokers.redis().uri()));
    }

    @AfterAll
    static void disconnect() {
        raw.close();
    }

    @BeforeEach
    void openStore() {
        prefix = UniqueNames.of("renew");
        store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri()).keyPrefix(prefix).build());
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void claimAllRetriedBySameTokenShouldRenewTheLease() {
        List<Lease> claims = NewOwners.claims("order-1", "order-2");
        store.claimAll(NS, claims, LEASE);
        cutLeaseShort("order-1");
        cutLeaseShort("order-2");

        List<ClaimResult> retried = store.claimAll(NS, claims, LEASE);

        assertThat(retried).allMatch(ClaimResult::isClaimed);
        assertThat(pttl("order-1")).isGreaterThan(NEAR_THE_LEASE_MS);
        assertThat(pttl("order-2")).isGreaterThan(NEAR_THE_LEASE_MS);
    }

    @Test
    void claimRetriedBySameTokenShouldRenewTheLease() {
        String token = NewOwners.token();
        store.claim(NS, "order-1", token, LEASE);
        cutLeaseShort("order-1");

        ClaimResult retried = store.claim(NS, "order-1", token, LEASE);

        assertThat(retried.isClaimed()).isTrue();
        assertThat(pttl("order-1")).isGreaterThan(NEAR_THE_LEASE_MS);
    }

    @Test
    void retryAmongNewIdsShouldRenewOnlyItsOwnLeaseAndClaimTheRest() {
        Lease held = NewOwners.claims("order-1").get(0);
        store.claimAll(NS, List.of(held), LEASE);
        cutLeaseShort("order-1");

        List<ClaimResult> batch = store.claimAll(NS, List.of(new Lease("order-0", NewOwners.token()), held,
                new Lease("order-2", NewOwners.token())), LEASE);

        assertThat(batch).allMatch(ClaimResult::isClaimed);
        assertThat(batch.get(1).token()).isEqualTo(held.token());
        assertThat(pttl("order-1")).isGreaterThan(NEAR_THE_LEASE_MS);
    }

    private void cutLeaseShort(String id) {
        assertThat(raw.pexpire(key(id), CUT_SHORT_MS)).isEqualTo(1);
        assertThat(pttl(id)).isLessThanOrEqualTo(CUT_SHORT_MS);
    }

    private long pttl(String id) {
        return raw.pttl(key(id));
    }

    private String key(String id) {
        return prefix + ":" + NS + ":" + id;
    }
}
