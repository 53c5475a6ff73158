package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisStoreConfigTest {

    /**
     * A TLS socket factory implies TLS; a redis:// uri or ssl(false) given after it turned TLS off again, and the
     * store connected in clear with the factory unused, its password readable on the wire.
     */
    @Test
    void aSocketFactoryWithTlsTurnedOffAfterItShouldBeRefused() throws Exception {
        javax.net.ssl.SSLSocketFactory factory = javax.net.ssl.SSLContext.getDefault().getSocketFactory();
        assertThatThrownBy(() -> RedisStoreConfig.custom().sslSocketFactory(factory).uri("redis://u:pw@127.0.0.1:6379")
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLS is off")
                .hasMessageNotContaining("pw");
        assertThatThrownBy(() -> RedisStoreConfig.custom().sslSocketFactory(factory).ssl(false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
        assertThat(RedisStoreConfig.custom().uri("redis://u:pw@127.0.0.1:6379").sslSocketFactory(factory).build().ssl())
                .as("the factory given after the uri").isTrue();
    }

    @Test
    void defaultsShouldBeALocalStandaloneServerWithoutAuthentication() {
        RedisStoreConfig config = RedisStoreConfig.ofDefaults();

        assertThat(config.host()).isEqualTo(RedisStoreConfig.DEFAULT_HOST);
        assertThat(config.port()).isEqualTo(RedisStoreConfig.DEFAULT_PORT);
        assertThat(config.isCluster()).isFalse();
        assertThat(config.user()).isNull();
        assertThat(config.password()).isNull();
        assertThat(config.ssl()).isFalse();
        assertThat(config.keyPrefix()).isEqualTo("keel");
        assertThat(config.connectTimeout()).isEqualTo(RedisStoreConfig.DEFAULT_CONNECT_TIMEOUT);
        assertThat(config.socketTimeout()).isEqualTo(RedisStoreConfig.DEFAULT_SOCKET_TIMEOUT);
        assertThat(config.poolSize()).isEqualTo(RedisStoreConfig.DEFAULT_POOL_SIZE);
    }

    @Test
    void uriShouldSetHostPortCredentialsTlsAndDatabase() {
        RedisStoreConfig config = RedisStoreConfig.custom().uri("rediss://keel:s3cr%40t@redis.internal:6380/2").build();

        assertThat(config.host()).isEqualTo("redis.internal");
        assertThat(config.port()).isEqualTo(6380);
        assertThat(config.user()).isEqualTo("keel");
        assertThat(config.password()).isEqualTo("s3cr@t");
        assertThat(config.ssl()).isTrue();
        assertThat(config.database()).isEqualTo(2);
    }

    @Test
    void uriWithPasswordOnlyShouldAuthenticateTheDefaultUser() {
        RedisStoreConfig colon = RedisStoreConfig.custom().uri("redis://:pw@localhost").build();
        RedisStoreConfig bare = RedisStoreConfig.custom().uri("redis://pw@localhost").build();

        assertThat(colon.user()).isNull();
        assertThat(colon.password()).isEqualTo("pw");
        assertThat(colon.port()).isEqualTo(6379);
        assertThat(colon.ssl()).isFalse();
        assertThat(bare.user()).isNull();
        assertThat(bare.password()).isEqualTo("pw");
    }

    @Test
    void toStringShouldNeverShowThePassword() {
        RedisStoreConfig config = RedisStoreConfig.custom().host("h").user("app").password("hunter2-secret").build();

        assertThat(config.toString()).doesNotContain("hunter2-secret").contains("password=****").contains("user=app");
        assertThat(RedisIdempotencyStore.create(config).toString()).doesNotContain("hunter2-secret");
    }

    @Test
    void badUrisShouldBeRejectedWithoutEchoingThePassword() {
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri("http://u:topsecret@h:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme must be redis or rediss")
                .hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri("redis://u:topsecret@h:1/notanumber"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database number")
                .hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri("redis://user:@h:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a password");
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://");
    }

    /**
     * Review (F6): a URI whose scheme was mistyped or missing was quoted whole, password included ("uri scheme must be
     * redis or rediss (TLS), was 'null' in redis//u:S3CRET@..."): the masking looked for {@code ://}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"redis//u:S3CRET@127.0.0.1:6379", "u:S3CRET@127.0.0.1:6379", "redis:/u:S3CRET@127.0.0.1:6379",
        "http://u:S3CRET@127.0.0.1:6379", "redis://u:S3CRET%zz@127.0.0.1:6379", "redis://u:S3CRET@127.0.0.1:99999",
        "redis://u:S3/CRET@127.0.0.1:6379/x", "redis://127.0.0.1:6379?password=S3CRET", "S3CRET@127.0.0.1:6379"})
    void aBadUriShouldBeRefusedWithoutAnyPartOfThePassword(String uri) {
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri(uri))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("CRET");
    }

    @Test
    void aMistypedSchemeShouldBeSaidWithTheUriMasked() {
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri("redis//u:S3CRET@127.0.0.1:6379"))
                .hasMessage("uri scheme must be redis or rediss (TLS), as in redis://host:port: it is missing or "
                        + "misspelled in redis//****@127.0.0.1:6379");
        assertThatThrownBy(() -> RedisStoreConfig.custom().uri("redis://127.0.0.1:6379?password=S3CRET"))
                .hasMessageContaining("uri takes no parameters");
    }

    /**
     * Review (F7): a host or cluster node holding user info was accepted and shown by toString
     * ({@code host("u:S3CRET@127.0.0.1")}).
     */
    @Test
    void aHostOrClusterNodeWithUserInfoShouldBeRefusedSayingWhereCredentialsGo() {
        assertThatThrownBy(() -> RedisStoreConfig.custom().host("u:S3CRET@127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password(")
                .hasMessageNotContaining("S3CRET");
        assertThatThrownBy(() -> RedisStoreConfig.custom().clusterNodes("127.0.0.1:7000", "u:S3CRET@127.0.0.1:7001"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password(")
                .hasMessageNotContaining("S3CRET");
        assertThatThrownBy(() -> RedisStoreConfig.custom().clusterNodes("127.0.0.1:7000?password=S3CRET"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("S3CRET");
    }

    @Test
    void outOfRangeValuesShouldBeRejectedWithWhatIsAllowed() {
        RedisStoreConfig.Builder b = RedisStoreConfig.custom();

        assertThatThrownBy(() -> b.port(0)).hasMessage("port must be in [1, 65535], was 0");
        assertThatThrownBy(() -> b.poolSize(0)).hasMessage("poolSize must be in [1, 1024], was 0");
        assertThatThrownBy(() -> b.database(-1)).hasMessage("database must be >= 0, was -1");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO)).hasMessageContaining("connectTimeout must be between");
        assertThatThrownBy(() -> b.socketTimeout(null)).hasMessageContaining("socketTimeout must be between");
        assertThatThrownBy(() -> b.host(" ")).hasMessageContaining("host must be");
        assertThatThrownBy(() -> b.keyPrefix("a{b}")).hasMessageContaining("braces");
        assertThatThrownBy(() -> b.keyPrefix("")).hasMessageContaining("keyPrefix must be");
        assertThatThrownBy(() -> b.password("")).hasMessageContaining("password must not be empty");
    }

    @Test
    void clusterNodesShouldBeHostPortPairs() {
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes("10.0.0.1:7000", " 10.0.0.2:7001 ").build();

        assertThat(config.isCluster()).isTrue();
        assertThat(config.clusterNodes()).containsExactly("10.0.0.1:7000", "10.0.0.2:7001");
        assertThat(config.describeEndpoint()).contains("Redis Cluster").contains("10.0.0.1:7000");
        assertThatThrownBy(() -> RedisStoreConfig.custom().clusterNodes(List.of()))
                .hasMessage("clusterNodes needs at least one host:port");
        assertThatThrownBy(() -> RedisStoreConfig.custom().clusterNodes("10.0.0.1"))
                .hasMessageContaining("cluster node must be host:port");
        assertThatThrownBy(() -> RedisStoreConfig.custom().clusterNodes("h:99999"))
                .hasMessageContaining("cluster node port must be in [1, 65535]");
    }

    @Test
    void inconsistentCombinationsShouldBeRejectedAtBuild() {
        assertThatThrownBy(() -> RedisStoreConfig.custom().clusterNodes("h:7000").database(1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database must be 0 with Redis Cluster");
        assertThatThrownBy(() -> RedisStoreConfig.custom().user("app").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("user 'app' needs a password");
    }

    @Test
    void fromShouldCopyEveryValue() {
        RedisStoreConfig base = RedisStoreConfig.custom().uri("rediss://app:pw@h:7/3").keyPrefix("billing")
                .connectTimeout(Duration.ofMillis(300)).socketTimeout(Duration.ofMillis(400)).poolSize(5).build();

        RedisStoreConfig copy = RedisStoreConfig.from(base).build();

        assertThat(copy).usingRecursiveComparison().isEqualTo(base);
    }
}
