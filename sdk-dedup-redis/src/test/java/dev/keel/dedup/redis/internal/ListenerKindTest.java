package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.dedup.redis.internal.ListenerKind.Answers;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * When the Redis store asks its listener whether it is of the other kind (TLS or plaintext): only while Redis never
 * answered the store, at most once every few seconds, and a port that answers both kinds is no mismatch.
 */
class ListenerKindTest {

    private static final RedisStoreConfig TLS_STORE = RedisStoreConfig.custom().host("127.0.0.1").port(6380).ssl(true)
            .build();
    private static final RedisStoreConfig PLAIN_STORE = RedisStoreConfig.custom().host("127.0.0.1").port(6379).build();

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger asked = new AtomicInteger();

    private ListenerKind kind(RedisStoreConfig config, Answers answers) {
        return new ListenerKind(config, (node, tls) -> {
            asked.incrementAndGet();
            return answers;
        }, nanos::get);
    }

    @Test
    void aListenerOfTheOtherKindShouldBeAMismatchEachWay() {
        assertThat(kind(TLS_STORE, new Answers(true, false)).mismatch()).get().asString()
                .contains("Redis at 127.0.0.1:6380 is a plaintext listener");
        assertThat(kind(PLAIN_STORE, new Answers(false, true)).mismatch()).get().asString()
                .contains("Redis at 127.0.0.1:6379 is a TLS listener");
    }

    @Test
    void aPortThatAnswersBothKindsShouldBeNoMismatch() {
        assertThat(kind(TLS_STORE, new Answers(true, true)).mismatch()).isEmpty();
        assertThat(kind(PLAIN_STORE, new Answers(true, true)).mismatch()).isEmpty();
    }

    @Test
    void aStoreThatRedisAnsweredShouldNeverAsk() {
        ListenerKind kind = kind(TLS_STORE, new Answers(true, false));
        kind.answered();

        assertThat(kind.mismatch()).isEmpty();
        assertThat(asked).hasValue(0);
    }

    @Test
    void failuresTogetherAndRetriesShouldAskOnceEveryFewSeconds() {
        ListenerKind kind = kind(PLAIN_STORE, new Answers(false, false)); // a silent or slow Redis
        for (int i = 0; i < 50; i++) {
            assertThat(kind.mismatch()).isEmpty();
            nanos.addAndGet(RecentAnswer.REUSED_NANOS / 50 - 1);
        }
        assertThat(asked).hasValue(1);

        nanos.addAndGet(RecentAnswer.REUSED_NANOS);
        kind.mismatch();

        assertThat(asked).hasValue(2);
    }
}
