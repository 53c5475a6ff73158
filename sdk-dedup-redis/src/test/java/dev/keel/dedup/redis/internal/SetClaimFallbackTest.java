package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * The switch to script claims inside a batch claim, driven with replies a real Redis gave: a server older
 * than 7.0 answers SET ... NX ... GET with "ERR syntax error", which no Redis 7 gives to the store's own
 * command; the harness's Redis gives the same reply to SET ... NX XX, which is what these tests feed in.
 */
class SetClaimFallbackTest {

    private RedisClient raw;
    private RedisConnection connection;
    private SetClaims setClaims;
    private String key;

    @BeforeEach
    void connect() {
        raw = RedisClient.create(URI.create(Brokers.redis().uri()));
        connection = new RedisConnection(RedisStoreConfig.custom().uri(Brokers.redis().uri()).build());
        setClaims = new SetClaims(connection, true);
        key = UniqueNames.of("set-claim-fallback");
    }

    @AfterEach
    void close() {
        connection.close();
        raw.del(key, key + ":list");
        raw.close();
    }

    @Test
    void aSyntaxErrorReplyShouldSwitchSetClaimsOffAndHandTheBatchBackForScriptClaims() {
        Reply claimed = Reply.of(raw.setGet(key, "p:token-a", SetParams.setParams().nx().px(60_000)));
        Reply rejected = Reply.failed(catchThrowableOfType(() -> raw.sendCommand(Protocol.Command.SET, key, "p:token-b", "NX", "XX"),
                JedisDataException.class));
        List<Reply> replies = List.of(claimed, rejected);

        List<Reply> answers = setClaims.answers(replies, List.of("p:token-a", "p:token-b"));

        assertThat(answers).as("the replies, unanswered: the caller claims the batch by script").isSameAs(replies);
        assertThat(setClaims.supported()).as("SET claims after the rejection").isFalse();
    }

    @Test
    void otherErrorRepliesShouldKeepSetClaimsOnAndFailOnlyTheirEntry() {
        raw.lpush(key + ":list", "not a lease");
        Reply claimed = Reply.of(raw.setGet(key, "p:token-a", SetParams.setParams().nx().px(60_000)));
        Reply wrongType = Reply.failed(catchThrowableOfType(
                () -> raw.setGet(key + ":list", "p:token-b", SetParams.setParams().nx().px(60_000)), JedisDataException.class));

        List<Reply> answers = setClaims.answers(List.of(claimed, wrongType), List.of("p:token-a", "p:token-b"));

        assertThat(setClaims.supported()).isTrue();
        assertThat(answers.get(0).value()).isEqualTo(LeaseScripts.CLAIMED);
        assertThat(answers.get(1).failed()).isTrue();
    }

    @Test
    void aSetThatRanButWasNotReplicatedShouldKeepItsAnswer() {
        Reply unconfirmed = Reply.of(null).unconfirmed(new NotReplicatedException(0, 1, Duration.ofSeconds(1)));

        List<Reply> answers = setClaims.answers(List.of(unconfirmed), List.of("p:token-a"));

        assertThat(answers.get(0).failed()).isTrue();
        assertThat(answers.get(0).ran()).isTrue();
        assertThat(answers.get(0).value()).isEqualTo(LeaseScripts.CLAIMED);
    }
}
