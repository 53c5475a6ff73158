package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.KeelException;
import dev.keel.dedup.redis.RedisRefusedException;
import dev.keel.dedup.redis.RedisStoreConfig;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import org.junit.jupiter.api.Test;

/** How refusals the server answers are told: typed, not retriable, naming what to change. */
class StoreRefusalWordingTest {

    /**
     * Before Redis 7.0 every lease command is a script, and the server wraps WRONGTYPE in the script's error; it was
     * taken for an outage (StoreUnavailableException: consumers paused, waiting for Redis to accept writes again).
     */
    @Test
    void aWrongTypeWrappedInAScriptErrorShouldBeARefusal() {
        RedisStoreConfig config = RedisStoreConfig.custom().build();
        KeelException refused = StoreFailures.translate(new JedisDataException("ERR Error running script (call to "
                        + "f_0123456789abcdef): @user_script:1: WRONGTYPE Operation against a key holding the wrong kind "
                        + "of value"), config, new ListenerKind(config), new CertificateRefusal(config));

        assertThat(refused).isInstanceOf(RedisRefusedException.class).hasMessageContaining("keyPrefix");
        assertThat(refused.isRetriable()).isFalse();
    }

    /** The client selects a database other than 0 on each connection: a user's ACL needs SELECT too. */
    @Test
    void aRefusedUserOfADatabaseOtherThanZeroShouldBeToldToGrantSelect() {
        RedisStoreConfig config = RedisStoreConfig.custom().database(3).build();
        KeelException refused = StoreFailures.translate(new JedisAccessControlException("NOPERM this user has no "
                + "permissions to run the 'select' command"), config, new ListenerKind(config),
                new CertificateRefusal(config));

        assertThat(refused).isInstanceOf(RedisRefusedException.class).hasMessageContaining("SELECT");
    }
}
