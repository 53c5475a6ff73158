package dev.keel.testkit.store;

import static dev.keel.dedup.ClaimResult.Status.BUSY;
import static dev.keel.dedup.ClaimResult.Status.CLAIMED;
import static dev.keel.dedup.ClaimResult.Status.DUPLICATE;
import static dev.keel.dedup.LeaseOutcome.APPLIED;
import static dev.keel.dedup.LeaseOutcome.LOST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dead-lettered state every store that supports re-drives must keep apart from done: a dead id
 * is a duplicate to a plain claim (a redelivery of the original is skipped) and claimable by a
 * re-driven claim, once: after the re-driven copy is done, a second re-driven copy is a duplicate.
 * A store's test extends this class and implements {@link #createStore()}; each test works in a
 * namespace of its own.
 */
public abstract class DeadStateContractTest {

    private static final Duration LONG = Duration.ofHours(1);

    protected IdempotencyStore store;
    private String ns;

    /** A new store; the suite closes it after the test. */
    protected abstract IdempotencyStore createStore();

    @BeforeEach
    void openStore() {
        store = createStore();
        ns = "g-" + UUID.randomUUID().toString().substring(0, 13) + ":dead.topic";
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private static String token() {
        return UUID.randomUUID().toString();
    }

    private void deadLetter(String id) {
        String token = token();
        assertThat(store.claim(ns, id, token, LONG).status()).isEqualTo(CLAIMED);
        assertThat(store.markDead(ns, id, token, LONG)).isEqualTo(APPLIED);
    }

    @Test
    void deadIdIsADuplicateToAPlainClaim() {
        deadLetter("m1");

        assertThat(store.claim(ns, "m1", token(), LONG).status()).isEqualTo(DUPLICATE);
        assertThat(store.claimAll(ns, List.of(new Lease("m1", token())), LONG).get(0).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void redrivenClaimTakesADeadIdOnceAndThenSeesItDone() {
        deadLetter("m1");
        String first = token();

        assertThat(store.claimRedriven(ns, "m1", first, LONG)).isEqualTo(ClaimResult.claimed(first));
        assertThat(store.claimRedriven(ns, "m1", token(), LONG).status()).as("while the first runs").isEqualTo(BUSY);
        assertThat(store.complete(ns, "m1", first, LONG)).isEqualTo(APPLIED);

        assertThat(store.claimRedriven(ns, "m1", token(), LONG).status()).as("a re-drive repeated by mistake")
                .isEqualTo(DUPLICATE);
        assertThat(store.claim(ns, "m1", token(), LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void redrivenBatchClaimTakesDeadIdsAndLeavesDoneOnes() {
        deadLetter("dead");
        String doneToken = token();
        store.claim(ns, "done", doneToken, LONG);
        store.complete(ns, "done", doneToken, LONG);
        String mine = token();

        List<ClaimResult> results = store.claimAllRedriven(ns,
                List.of(new Lease("dead", mine), new Lease("done", token()), new Lease("new", mine)), LONG);

        assertThat(results).extracting(ClaimResult::status).containsExactly(CLAIMED, DUPLICATE, CLAIMED);
        assertThat(store.completeAll(ns, List.of(new Lease("dead", mine), new Lease("new", mine)), LONG))
                .containsExactly(APPLIED, APPLIED);
        assertThat(store.claimAllRedriven(ns, List.of(new Lease("dead", token())), LONG).get(0).status())
                .isEqualTo(DUPLICATE);
    }

    @Test
    void markDeadNeedsTheOwnersTokenAndRepeatsIdempotently() {
        String token = token();
        store.claim(ns, "m1", token, LONG);

        assertThat(store.markDead(ns, "m1", token(), LONG)).isEqualTo(LOST);
        assertThat(store.markDead(ns, "m1", token, LONG)).isEqualTo(APPLIED);
        assertThat(store.markDead(ns, "m1", token, LONG)).as("again by its owner").isEqualTo(APPLIED);
        assertThat(store.complete(ns, "m1", token, LONG)).as("dead is not done").isEqualTo(LOST);
        assertThat(store.release(ns, "m1", token)).isEqualTo(LOST);
        assertThat(store.claim(ns, "m1", token, LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void redrivenCopyThatFailsAgainIsDeadAgainAndRedrivableAgain() {
        deadLetter("m1");
        String second = token();
        store.claimRedriven(ns, "m1", second, LONG);

        assertThat(store.markDead(ns, "m1", second, LONG)).isEqualTo(APPLIED);

        assertThat(store.claim(ns, "m1", token(), LONG).status()).isEqualTo(DUPLICATE);
        assertThat(store.claimRedriven(ns, "m1", token(), LONG).status()).isEqualTo(CLAIMED);
    }

    @Test
    void plainClaimOfAnIdNeverDeadIsUnchangedByRedrivenClaims() {
        String token = token();
        assertThat(store.claimRedriven(ns, "fresh", token, LONG).status()).isEqualTo(CLAIMED);
        assertThat(store.claim(ns, "fresh", token, LONG).status()).as("renewed by its token").isEqualTo(CLAIMED);
        assertThat(store.claim(ns, "fresh", token(), LONG).status()).isEqualTo(BUSY);
    }
}
