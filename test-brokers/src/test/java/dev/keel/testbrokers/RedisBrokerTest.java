package dev.keel.testbrokers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(RealBrokers.class)
class RedisBrokerTest {

    @Test
    void rawClientWritesAndReadsOneKey(RedisEndpoint redis) {
        String key = UniqueNames.keyPrefix("smoke") + "k";
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertThat(jedis.set(key, "v")).isEqualTo("OK");
            assertThat(jedis.get(key)).isEqualTo("v");
        }
    }

    @Test
    void servesAgainEmptyAfterKillAndRestart(RedisEndpoint redis) {
        assumeTrue(redis.supportsFaults(), "Redis is not owned by the harness");
        String key = UniqueNames.keyPrefix("restart") + "k";
        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            jedis.set(key, "before");
        }

        redis.kill();
        assertThat(TcpProbe.accepts(redis.host(), redis.port())).as("port open after kill").isFalse();
        redis.restart();

        try (Jedis jedis = new Jedis(redis.host(), redis.port())) {
            assertThat(jedis.get(key)).as("no persistence").isNull();
            assertThat(jedis.set(key, "after")).isEqualTo("OK");
        }
    }
}
