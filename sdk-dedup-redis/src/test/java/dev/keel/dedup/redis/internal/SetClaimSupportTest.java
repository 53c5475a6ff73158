package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.testbrokers.Brokers;
import java.net.URI;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/** Which replies to SET ... NX ... GET mean "a server older than Redis 7.0": only its syntax error. */
class SetClaimSupportTest {

    @Test
    void syntaxErrorOfAnOlderServerShouldMeanRejected() {
        assertThat(SetClaimSupport.rejected(new JedisDataException("ERR syntax error"))).isTrue();
    }

    @Test
    void syntaxErrorAsRedisSendsItShouldMeanRejected() {
        try (RedisClient raw = RedisClient.create(URI.create(Brokers.redis().uri()))) {
            // NX with XX is a syntax error on every version: the reply's form, as Jedis reads it
            Throwable error = catchThrowable(() -> raw.sendCommand(Protocol.Command.SET, "keel-syntax-probe", "v", "NX", "XX"));

            assertThat(SetClaimSupport.rejected(error)).as("%s", error).isTrue();
        }
    }

    @Test
    void otherRefusalsShouldNotMeanRejected() {
        assertThat(SetClaimSupport.rejected(new JedisDataException("WRONGTYPE Operation against a key holding the wrong kind of value"))).isFalse();
        assertThat(SetClaimSupport.rejected(new JedisDataException("OOM command not allowed when used memory > 'maxmemory'."))).isFalse();
        assertThat(SetClaimSupport.rejected(new JedisDataException("READONLY You can't write against a read only replica."))).isFalse();
        assertThat(SetClaimSupport.rejected(new JedisAccessControlException("NOPERM this user has no permissions to run the 'set' command"))).isFalse();
    }

    @Test
    void connectionFailuresShouldNotMeanRejected() {
        assertThat(SetClaimSupport.rejected(new JedisConnectionException("Unexpected end of stream."))).isFalse();
        assertThat(SetClaimSupport.rejected(new IllegalStateException("ERR syntax error"))).isFalse();
        assertThat(SetClaimSupport.rejected(new JedisDataException((String) null))).isFalse();
    }
}
