package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.KeelException;
import dev.keel.dedup.ClaimResult;
import dev.keel.testbrokers.SecuredRedis;
import java.time.Duration;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A certificate problem on the way to the harness's TLS-only Redis is a refusal, not an outage: the store does not
 * trust the server's certificate, or Redis does not get a client certificate it asked for. Waiting cures neither, so
 * both are a non-retriable {@link RedisRefusedException} that says what to fix; the same store with the right
 * certificates then works.
 */
@Tag("secured")
class RedisTlsCertificateTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final String USER = "keel-cert-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    private static SecuredRedis redis;

    @BeforeAll
    static void createUser() {
        redis = SecuredRedis.local();
        redis.putUser(USER, PASSWORD, "~keel:*", "-@all", "+get", "+set", "+del", "+eval", "+evalsha");
    }

    @AfterAll
    static void removeUser() {
        redis.removeUser(USER);
    }

    @Test
    void aServerCertificateOutsideTheTrustStoreShouldBeRefusedNotRetriableNamingTheTrustStore() {
        Throwable refused = claimWith(redis.certificates().untrustingContext());

        assertThat(refused).isInstanceOf(RedisRefusedException.class)
                .hasMessageContaining("Redis at 127.0.0.1:" + redis.port())
                .hasMessageContaining("does not trust the server's certificate")
                .hasMessageContaining("trust store")
                .hasMessageNotContaining(PASSWORD);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    @Test
    void noClientCertificateWhereRedisAsksForOneShouldBeRefusedNotRetriableNamingTheKeyStore() {
        Throwable refused = claimWith(redis.certificates().contextWithoutClientCertificate());

        assertThat(refused).isInstanceOf(RedisRefusedException.class)
                .hasMessageContaining("refused the client's certificate")
                .hasMessageContaining("key store")
                .hasMessageNotContaining(PASSWORD);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    @Test
    void theRightCertificatesShouldServeAClaim() {
        try (RedisIdempotencyStore store = store(redis.certificates().clientContext())) {
            assertThat(store.claim(NS, UUID.randomUUID().toString(), NewOwners.token(), LEASE).status())
                    .isEqualTo(ClaimResult.Status.CLAIMED);
        }
    }

    private static Throwable claimWith(SSLContext context) {
        try (RedisIdempotencyStore store = store(context)) {
            return catchThrowable(() -> store.claim(NS, "a", NewOwners.token(), LEASE));
        }
    }

    private static RedisIdempotencyStore store(SSLContext context) {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port()).user(USER)
                .password(PASSWORD).sslSocketFactory(context.getSocketFactory())
                .connectTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(2)).build());
    }
}
