package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * An ACL user that may run the store's scripts and {@code SET} but not a command the scripts run inside
 * ({@code GET}), on a real redis-server: Redis answers the script with a permission error, which is a refusal
 * ({@link RedisRefusedException}, not retriable) on every path, and no claim succeeds while completions could
 * never be written, so no handler runs.
 */
class ScriptCommandPermissionTest {

    private static final String USER = "keel-no-get";
    private static final String PASSWORD = "no-get-pw";
    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start("--user", USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                "+set", "+del", "+eval", "+evalsha");
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static RedisIdempotencyStore store() {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(USER).password(PASSWORD).build());
    }

    @Test
    void aClaimShouldBeRefusedNamingTheCommandWhenTheScriptsCannotRunIt() {
        try (RedisIdempotencyStore store = store(); Jedis admin = new Jedis(redis.host(), redis.port())) {
            assertThatThrownBy(() -> store.claim(NS, "new-id", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("'" + USER + "'").hasMessageContaining("GET, SET, DEL, EVAL and EVALSHA");
            assertThat(admin.exists("keel:" + NS + ":new-id")).as("a key written for the refused claim").isFalse();
        }
    }

    @Test
    void aReleaseOrDeadMarkRefusedInsideTheScriptShouldBeARefusalNotAnOutage() {
        try (RedisIdempotencyStore store = store()) {
            assertThatThrownBy(() -> store.release(NS, "some-id", NewOwners.token()))
                    .satisfies(RedisAccessControlTest::isRefusal).hasMessageContaining("'" + USER + "'");
            assertThatThrownBy(() -> store.markDead(NS, "some-id", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal);
            // a completion is a plain SET ... XX ... GET on Redis 7.0 and later: SET is granted, so it runs
            assertThat(store.complete(NS, "some-id", NewOwners.token(), LEASE)).isEqualTo(LeaseOutcome.LOST);
        }
    }

    @Test
    void noHandlerShouldRunWhileItsCompletionCouldNeverBeWritten() {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (CapturedLog log = CapturedLog.start();
             InMemoryBroker broker = InMemoryBroker.create();
             RedisIdempotencyStore store = store();
             Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
            for (int i = 0; i < 5; i++) {
                keel.publisher().publish("orders", Message.builder("v" + i, Codec.utf8()).id("m-" + i).key("k" + i)
                        .build());
            }
            keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                    .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(100)).build())
                    .build(), delivery -> handled.add(delivery.id()));

            await("the refusal logged").atMost(Duration.ofSeconds(30))
                    .until(() -> log.linesContaining("idempotency store refused the request (not an outage") > 0);
            await("nothing handled while refused").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30))
                    .until(handled::isEmpty);
            assertThat(log.linesContaining("idempotency store unavailable")).as("logged as an outage").isZero();
        }
    }
}
