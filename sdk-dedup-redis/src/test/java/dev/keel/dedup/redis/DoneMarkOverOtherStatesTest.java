package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

/**
 * The done mark is one plain {@code SET key d:<token> XX PX <retention> GET}, with no owner check: what it does
 * to each state a key can hold when the completing consumer no longer owns it (docs/redis-store.md, "What the
 * done mark's owner check protected"). Another consumer taking the id over after this one's lease expired is
 * staged by writing that consumer's lease directly, as its claim would have.
 */
class DoneMarkOverOtherStatesTest {

    private static final String NS = "billing:orders";
    private static final String KEY = "keel:" + NS + ":order-1";
    private static final Duration LONG = Duration.ofMinutes(10);

    private RedisServerProcess redis;
    private RedisClient raw;
    private RedisIdempotencyStore store;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        raw = RedisClient.create(redis.host(), redis.port());
        store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port()).build());
    }

    @AfterEach
    void stop() {
        store.close();
        raw.close();
        redis.close();
    }

    @Test
    void doneMarkOverAnotherConsumersLeaseShouldBeLostAndLeaveTheIdDoneForEveryone() {
        String late = claimed();
        String taker = takenOver();

        assertThat(store.complete(NS, "order-1", late, LONG)).isEqualTo(LeaseOutcome.LOST);

        assertThat(raw.get(KEY)).isEqualTo("d:" + late);
        assertThat(raw.pttl(KEY)).as("kept for the retention, not the taker's lease").isGreaterThan(60_000);
        assertThat(store.claim(NS, "order-1", NewOwners.token(), LONG).status())
                .as("a third copy runs nothing").isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(store.claim(NS, "order-1", taker, LONG).status())
                .as("the taker's renewal, or its claim before it runs, finds the id done")
                .isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(store.release(NS, "order-1", taker)).as("the taker's retry cannot undo the mark")
                .isEqualTo(LeaseOutcome.LOST);
        assertThat(store.markDead(NS, "order-1", taker, LONG)).as("nor its dead-lettering")
                .isEqualTo(LeaseOutcome.LOST);
        assertThat(store.complete(NS, "order-1", taker, LONG)).as("the taker's own completion reports its loss")
                .isEqualTo(LeaseOutcome.LOST);
    }

    @Test
    void doneMarkOverADeadMarkShouldBeLostAndMakeARedriveOfTheLetterADuplicate() {
        String late = claimed();
        String taker = takenOver();
        assertThat(store.markDead(NS, "order-1", taker, LONG)).isEqualTo(LeaseOutcome.APPLIED);

        assertThat(store.complete(NS, "order-1", late, LONG)).isEqualTo(LeaseOutcome.LOST);

        assertThat(raw.get(KEY)).as("the message's effect was applied once: the id is done").isEqualTo("d:" + late);
        assertThat(store.claim(NS, "order-1", NewOwners.token(), LONG).status())
                .isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(store.claimRedriven(NS, "order-1", NewOwners.token(), LONG).status())
                .as("a re-drive of the letter is acknowledged unrun").isEqualTo(ClaimResult.Status.DUPLICATE);
    }

    @Test
    void doneMarkAfterTheIdWasForgottenShouldBeLostAndLeaveItAbsentSoItRunsAgain() {
        String late = claimed();
        String taker = takenOver();
        assertThat(store.complete(NS, "order-1", taker, LONG)).isEqualTo(LeaseOutcome.APPLIED);
        assertThat(store.forgetAll(NS, List.of("order-1"))).isEqualTo(1); // replay with reprocess

        assertThat(store.complete(NS, "order-1", late, LONG)).isEqualTo(LeaseOutcome.LOST);

        assertThat(raw.exists(KEY)).as("XX writes nothing over an absent key").isFalse();
        assertThat(store.claim(NS, "order-1", NewOwners.token(), LONG).status()).isEqualTo(ClaimResult.Status.CLAIMED);
    }

    @Test
    void forgetWhileTheLeaseIsHeldShouldLeaveItAndTheDoneMarkShouldApply() {
        String owner = claimed();

        assertThat(store.forgetAll(NS, List.of("order-1"))).as("a held lease is not forgotten").isZero();

        assertThat(store.complete(NS, "order-1", owner, LONG)).isEqualTo(LeaseOutcome.APPLIED);
        assertThat(raw.get(KEY)).isEqualTo("d:" + owner);
    }

    @Test
    void doneMarkAfterTheLeaseExpiredShouldBeLostAndWriteNothing() {
        String late = claimed();
        raw.del(KEY); // expired, or lost with Redis's data

        assertThat(store.complete(NS, "order-1", late, LONG)).isEqualTo(LeaseOutcome.LOST);

        assertThat(raw.exists(KEY)).isFalse();
    }

    @Test
    void doneMarkRetriedByItsOwnerShouldBeAppliedAndKeepTheMark() {
        String owner = claimed();
        assertThat(store.complete(NS, "order-1", owner, LONG)).isEqualTo(LeaseOutcome.APPLIED);

        assertThat(store.completeAll(NS, List.of(new Lease("order-1", owner)), LONG))
                .as("a retried batch whose reply was lost").containsExactly(LeaseOutcome.APPLIED);
        assertThat(raw.get(KEY)).isEqualTo("d:" + owner);
    }

    @Test
    void doneMarkWithATokenThatEndsLikeTheOwnersShouldBeLost() {
        String owner = claimed();

        assertThat(store.complete(NS, "order-1", owner.substring(1), LONG)).isEqualTo(LeaseOutcome.LOST);
    }

    /** Claims order-1 with a new token; returns it. */
    private String claimed() {
        ClaimResult claim = store.claim(NS, "order-1", NewOwners.token(), LONG);
        assertThat(claim.isClaimed()).isTrue();
        return claim.token();
    }

    /** Another consumer's claim after this one's lease expired: its lease replaces this one's. */
    private String takenOver() {
        String taker = NewOwners.token();
        raw.set(KEY, "p:" + taker, SetParams.setParams().px(30_000));
        return taker;
    }
}
