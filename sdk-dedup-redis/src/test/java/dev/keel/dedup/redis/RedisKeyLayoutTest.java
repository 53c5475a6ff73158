package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
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
 * What the store leaves in Redis (the harness's): key names, values and expiry, read back with a
 * plain client. Each test uses a key prefix of its own.
 */
class RedisKeyLayoutTest {

    private static final String NS = "billing:orders";

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
        prefix = UniqueNames.of("layout");
        store = RedisIdempotencyStore.create(config().keyPrefix(prefix).build());
    }

    private static RedisStoreConfig.Builder config() {
        return RedisStoreConfig.custom().uri(Brokers.redis().uri());
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void claimShouldWriteAProcessingKeyWithTheLeaseAsTtl() {
        ClaimResult claim = store.claim(NS, "order-42:created", NewOwners.token(), Duration.ofSeconds(60));

        String key = prefix + ":billing:orders:order-42:created";
        assertThat(raw.get(key)).isEqualTo("p:" + claim.token());
        assertThat(raw.pttl(key)).isBetween(50_000L, 60_000L);
        assertThat(raw.keys(prefix + ":*")).containsExactly(key);
    }

    @Test
    void claimAgainByTheSameTokenShouldKeepTheValueAndRenewTheTtl() {
        String token = NewOwners.token();
        store.claim(NS, "order-1", token, Duration.ofSeconds(5));

        ClaimResult again = store.claim(NS, "order-1", token, Duration.ofSeconds(60));

        assertThat(again.isClaimed()).isTrue();
        assertThat(raw.get(prefix + ":billing:orders:order-1")).isEqualTo("p:" + token);
        assertThat(raw.pttl(prefix + ":billing:orders:order-1")).isBetween(50_000L, 60_000L);
    }

    @Test
    void completeShouldTurnTheKeyDoneWithTheRetentionAsTtl() {
        ClaimResult claim = store.claim(NS, "order-1", NewOwners.token(), Duration.ofSeconds(60));

        store.complete(NS, "order-1", claim.token(), Duration.ofHours(24));

        assertThat(raw.get(prefix + ":billing:orders:order-1")).isEqualTo("d:" + claim.token());
        assertThat(raw.pttl(prefix + ":billing:orders:order-1")).isBetween(Duration.ofHours(23).toMillis(), Duration.ofHours(24).toMillis());
    }

    @Test
    void releaseShouldDeleteTheKey() {
        ClaimResult claim = store.claim(NS, "order-1", NewOwners.token(), Duration.ofSeconds(60));

        assertThat(store.release(NS, "order-1", claim.token())).isEqualTo(LeaseOutcome.APPLIED);

        assertThat(raw.exists(prefix + ":billing:orders:order-1")).isFalse();
    }

    @Test
    void keyPrefixShouldBeConfigurable() {
        String custom = prefix + ".app.dedup";
        try (RedisIdempotencyStore prefixed = RedisIdempotencyStore.create(config().keyPrefix(custom).build())) {
            prefixed.claimAll(NS, NewOwners.claims("a", "b"), Duration.ofSeconds(60));
        }

        assertThat(raw.keys(custom + ":*")).containsExactlyInAnyOrder(custom + ":billing:orders:a", custom + ":billing:orders:b");
    }

    @Test
    void batchesShouldWriteTheSameKeysAsSingleCalls() {
        List<ClaimResult> claims = store.claimAll(NS, NewOwners.claims("a", "b"), Duration.ofSeconds(60));
        store.completeAll(NS, List.of(new Lease("a", claims.get(0).token())), Duration.ofHours(1));

        assertThat(raw.get(prefix + ":billing:orders:a")).isEqualTo("d:" + claims.get(0).token());
        assertThat(raw.get(prefix + ":billing:orders:b")).isEqualTo("p:" + claims.get(1).token());
        assertThat(raw.pttl(prefix + ":billing:orders:a")).isGreaterThan(Duration.ofMinutes(59).toMillis());
        assertThat(raw.pttl(prefix + ":billing:orders:b")).isBetween(50_000L, 60_000L);
    }

    @Test
    void subMillisecondLeaseShouldRoundUpInsteadOfFailing() {
        ClaimResult claim = store.claim(NS, "tiny", NewOwners.token(), Duration.ofNanos(1));

        assertThat(claim.isClaimed()).isTrue();
    }

    @Test
    void aKeyOfAnotherKindShouldBeBusyNotDoneAndNeverOverwritten() {
        raw.set(prefix + ":billing:orders:foreign", "something-else");

        assertThat(store.claim(NS, "foreign", NewOwners.token(), Duration.ofSeconds(60)).status()).isEqualTo(ClaimResult.Status.BUSY);
        assertThat(raw.get(prefix + ":billing:orders:foreign")).isEqualTo("something-else");
    }
}
