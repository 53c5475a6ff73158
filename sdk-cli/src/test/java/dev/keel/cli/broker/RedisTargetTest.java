package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import dev.keel.dedup.redis.RedisStoreConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisTargetTest {

    @Test
    void oneHostShouldBeAStandaloneServerWithItsDatabase() {
        RedisTarget target = RedisTarget.parse("redis://10.0.0.1:6380/2", false);

        assertThat(target.cluster()).isFalse();
        RedisStoreConfig config = target.config(0, Duration.ofSeconds(1));
        assertThat(config.isCluster()).isFalse();
        assertThat(config.database()).isEqualTo(2);
        assertThat(target.description()).isEqualTo("redis://10.0.0.1:6380/2");
    }

    @Test
    void severalHostsShouldBeAClustersSeedNodesWithTheCredentialsKeptOutOfTheDescription() {
        RedisTarget target = RedisTarget.parse("rediss://app:s3cret@r1:7000,r2:7001,r3", false);

        assertThat(target.cluster()).isTrue();
        assertThat(target.hosts()).containsExactly("r1:7000", "r2:7001", "r3:6379");
        RedisStoreConfig config = target.config(1, Duration.ofSeconds(1));
        assertThat(config.isCluster()).isTrue();
        assertThat(config.clusterNodes()).containsExactly("r1:7000", "r2:7001", "r3:6379");
        assertThat(config.ssl()).isTrue();
        assertThat(target.description()).isEqualTo("Redis Cluster rediss://r1:7000,r2:7001,r3:6379")
                .doesNotContain("s3cret");
    }

    @Test
    void oneHostWithTheClusterFlagShouldBeACluster() {
        assertThat(RedisTarget.parse("redis://r1:7000", true).config(0, Duration.ofSeconds(1)).isCluster()).isTrue();
        assertThat(new BrokerOptions().redis("redis://a:1,b:2").redisCluster()).isTrue();
        assertThat(new BrokerOptions().redis("redis://a:1").redisCluster()).isFalse();
    }

    @Test
    void badUrisShouldBeRefusedWithTheFormAndWithoutThePassword() {
        for (String bad : List.of("http://r1:6379", "redis://", "redis://r1:7000,,r2:7001", "redis://r1:x",
                "redis://u:pw@r1:99999")) {
            assertThatThrownBy(() -> RedisTarget.parse(bad, false)).as(bad).isInstanceOf(EnvironmentException.class)
                    .hasMessageContaining("--redis must be a URI like redis://host:port").hasMessageNotContaining("pw@");
        }
        assertThatThrownBy(() -> RedisTarget.parse("redis://r1:7000,r2:7001/3", false))
                .hasMessageContaining("a Redis Cluster has only database 0");
    }
}
