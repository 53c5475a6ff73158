package dev.keel.testkit.store;

import static dev.keel.dedup.ClaimResult.Status.BUSY;
import static dev.keel.dedup.ClaimResult.Status.CLAIMED;
import static dev.keel.dedup.ClaimResult.Status.DUPLICATE;
import static dev.keel.dedup.LeaseOutcome.APPLIED;
import static dev.keel.dedup.LeaseOutcome.LOST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IdempotencyStore} must show, run unchanged on each store: claim,
 * complete and release with their owner tokens, a claim repeated by the token that holds the lease
 * (CLAIMED, lease renewed), lease and retention expiry, and batches that equal their one-by-one
 * counterparts, and many concurrent claimers of one id of which exactly one wins.
 *
 * <p>A store's test extends this class and implements {@link #createStore()} and {@link #elapse(Duration)}.
 * Expiry tests never sleep: they let {@link #shortTtl()} pass through {@code elapse} (a test clock
 * moves at once; a store on real time does nothing there) and then await the expected state for up
 * to {@link #expiryTimeout()}. Every test works in a namespace of its own, so a shared server needs
 * no cleanup between tests.
 */
public abstract class IdempotencyStoreContractTest {

    /** A lease or retention no test outlives. */
    protected static final Duration LONG = Duration.ofHours(1);

    protected IdempotencyStore store;
    protected String ns;

    /** A new store; the suite closes it after the test. */
    protected abstract IdempotencyStore createStore();

    /**
     * Lets at least {@code duration} pass for the store: advance its test clock, or nothing when the
     * store runs on real time (the suite then awaits the expected state instead).
     */
    protected abstract void elapse(Duration duration);

    /**
     * The lease or retention used by expiry tests: long enough that the few steps between a claim and
     * its check fit well inside it, short enough to wait out.
     */
    protected Duration shortTtl() {
        return Duration.ofMillis(500);
    }

    /**
     * Whether {@code complete} by a token that does not hold the id writes the done mark over what the id holds
     * (another token's lease, done or dead mark), as the Redis store does on Redis 7.0 and later, where a
     * completion is one plain {@code SET ... XX ... GET} (see docs/redis-store.md: the handler's effect is applied
     * either way, and the id is then done). By default such a completion changes nothing. Either way it answers
     * LOST, never writes an id that is absent, and leaves no third owner able to claim the id.
     */
    protected boolean completionMarksOverAnotherOwner() {
        return false;
    }

    /** The most an expiry test waits for an expired id to show as absent. */
    protected Duration expiryTimeout() {
        return Duration.ofSeconds(15);
    }

    @BeforeEach
    void openStore() {
        store = createStore();
        ns = newNamespace();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    /** A {@code <group>:<topic>} namespace no other test uses. */
    protected static String newNamespace() {
        return "g-" + UUID.randomUUID().toString().substring(0, 13) + ":contract.topic";
    }

    /** A fresh owner token, as a new consumer of a message would choose. */
    protected static String newToken() {
        return UUID.randomUUID().toString();
    }

    /** Claims {@code id} as a new owner, with a fresh token. */
    protected ClaimResult claimAsNewOwner(String namespace, String id, Duration lease) {
        return store.claim(namespace, id, newToken(), lease);
    }

    /** Claims each id as a new owner (a fresh token each) in one batch. */
    protected List<ClaimResult> claimAllAsNewOwners(String namespace, List<String> ids, Duration lease) {
        return store.claimAll(namespace, withNewTokens(ids), lease);
    }

    /** Each id with a fresh token of its own. */
    protected static List<Lease> withNewTokens(List<String> ids) {
        List<Lease> claims = new ArrayList<>(ids.size());
        for (String id : ids) {
            claims.add(new Lease(id, newToken()));
        }
        return claims;
    }

    /** Awaits an expiry by claiming until a claim succeeds; returns that claim's token (the new owner's). */
    protected String awaitClaimable(String namespace, String id) {
        AtomicReference<String> owner = new AtomicReference<>();
        await("id '" + id + "' to expire and be claimable again").atMost(expiryTimeout())
                .pollInterval(Duration.ofMillis(25))
                .until(() -> {
                    ClaimResult result = claimAsNewOwner(namespace, id, LONG);
                    if (result.isClaimed()) {
                        owner.set(result.token());
                    }
                    return result.isClaimed();
                });
        return owner.get();
    }

    @Test
    void claimOfANewIdShouldReturnClaimedWithTheCallersToken() {
        ClaimResult result = store.claim(ns, "order-1", "token-1", LONG);

        assertThat(result.status()).isEqualTo(CLAIMED);
        assertThat(result.token()).isEqualTo("token-1");
    }

    @Test
    void claimingWithAnotherTokenWhileLeasedShouldAnswerBusy() {
        String owner = newToken();
        store.claim(ns, "order-1", owner, LONG);

        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(BUSY);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(BUSY);
        assertThat(store.complete(ns, "order-1", owner, LONG)).as("a BUSY claim takes nothing from the owner")
                .isEqualTo(APPLIED);
    }

    @Test
    void claimingAgainWithTheSameTokenShouldAnswerClaimedAndExtendTheLease() {
        String token = newToken();
        assertThat(store.claim(ns, "order-1", token, shortTtl()).status()).isEqualTo(CLAIMED);
        // claimed just after order-1 with the same lease, so it expires no earlier than order-1's first lease
        claimAsNewOwner(ns, "sentinel", shortTtl());

        ClaimResult again = store.claim(ns, "order-1", token, LONG);
        elapse(shortTtl());
        awaitClaimable(ns, "sentinel");

        assertThat(again.status()).isEqualTo(CLAIMED);
        assertThat(again.token()).isEqualTo(token);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).as("the renewed lease outlives the first one")
                .isEqualTo(BUSY);
        assertThat(store.complete(ns, "order-1", token, LONG)).isEqualTo(APPLIED);
    }

    @Test
    void claimingAgainWithTheSameTokenAfterCompletionShouldAnswerDuplicate() {
        String token = newToken();
        store.claim(ns, "order-1", token, LONG);
        store.complete(ns, "order-1", token, LONG);

        assertThat(store.claim(ns, "order-1", token, LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void batchClaimRetriedWithTheSameTokensShouldAnswerClaimedForEveryId() {
        List<Lease> claims = withNewTokens(ConcurrentClaimers.idRange("retried-", 50));
        assertThat(statuses(store.claimAll(ns, claims, LONG))).containsOnly(CLAIMED);

        // the retry of a batch whose reply was lost: the caller never saw the answers, only its tokens
        List<ClaimResult> retried = store.claimAll(ns, claims, LONG);

        assertThat(statuses(retried)).containsOnly(CLAIMED).hasSize(claims.size());
        assertThat(statuses(claimAllAsNewOwners(ns, List.of("retried-0", "retried-49"), LONG))).containsOnly(BUSY);
        assertThat(store.completeAll(ns, claims, LONG)).containsOnly(APPLIED);
    }

    @Test
    void claimOfACompletedIdShouldBeDuplicate() {
        String token = claimAsNewOwner(ns, "order-1", LONG).token();

        assertThat(store.complete(ns, "order-1", token, LONG)).isEqualTo(APPLIED);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void releasedIdShouldBeClaimableAgainWithANewToken() {
        String first = claimAsNewOwner(ns, "order-1", LONG).token();

        assertThat(store.release(ns, "order-1", first)).isEqualTo(APPLIED);
        ClaimResult again = claimAsNewOwner(ns, "order-1", LONG);
        assertThat(again.status()).isEqualTo(CLAIMED);
        assertThat(again.token()).isNotEqualTo(first);
        assertThat(store.complete(ns, "order-1", first, LONG)).as("the released token completes nothing").isEqualTo(LOST);
    }

    @Test
    void releaseAllShouldAnswerAsReleasesOneByOneInOrder() {
        String first = claimAsNewOwner(ns, "order-1", LONG).token();
        String second = claimAsNewOwner(ns, "order-2", LONG).token();
        String done = claimAsNewOwner(ns, "order-3", LONG).token();
        store.complete(ns, "order-3", done, LONG);

        List<LeaseOutcome> outcomes = store.releaseAll(ns, List.of(new Lease("order-1", first),
                new Lease("order-2", "not-" + second), new Lease("order-3", done), new Lease("never-claimed", first),
                new Lease("order-1", first)));

        assertThat(outcomes).as("released; a foreign token; a done id; an unclaimed id; released already")
                .containsExactly(APPLIED, LOST, LOST, LOST, LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(CLAIMED);
        assertThat(claimAsNewOwner(ns, "order-2", LONG).status()).as("its owner keeps it").isEqualTo(BUSY);
        assertThat(claimAsNewOwner(ns, "order-3", LONG).status()).isEqualTo(DUPLICATE);
        assertThat(store.releaseAll(ns, List.of())).isEmpty();
    }

    @Test
    void manyConcurrentClaimersShouldGetExactlyOneClaimedPerId() {
        List<String> ids = ConcurrentClaimers.idRange("contended-", 40);

        List<List<ClaimResult>> perClaimer = ConcurrentClaimers.run(concurrentClaimers(), n -> {
            List<ClaimResult> results = new ArrayList<>();
            for (String id : ConcurrentClaimers.rotated(ids, n)) {
                results.add(claimAsNewOwner(ns, id, LONG));
            }
            return results;
        });

        ConcurrentClaimers.assertExactlyOneClaimPerId(ids, perClaimer, n -> ConcurrentClaimers.rotated(ids, n));
    }

    @Test
    void concurrentBatchClaimersShouldGetExactlyOneClaimedPerId() {
        List<String> ids = ConcurrentClaimers.idRange("batch-contended-", 200);

        List<List<ClaimResult>> perClaimer = ConcurrentClaimers.run(concurrentClaimers(),
                n -> claimAllAsNewOwners(ns, ConcurrentClaimers.rotated(ids, n * 7), LONG));

        ConcurrentClaimers.assertExactlyOneClaimPerId(ids, perClaimer, n -> ConcurrentClaimers.rotated(ids, n * 7));
    }

    /** How many threads race for the same ids. */
    protected int concurrentClaimers() {
        return 16;
    }

    @Test
    void leaseExpiryShouldMakeTheIdClaimableAgain() {
        assertThat(claimAsNewOwner(ns, "order-1", shortTtl()).status()).isEqualTo(CLAIMED);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(BUSY);

        elapse(shortTtl());

        awaitClaimable(ns, "order-1");
    }

    @Test
    void completeWithAStaleTokenShouldBeLostAndLeaveTheIdToNoThirdOwner() {
        String stale = claimAsNewOwner(ns, "order-1", shortTtl()).token();
        elapse(shortTtl());
        awaitClaimable(ns, "order-1");

        assertThat(store.complete(ns, "order-1", stale, LONG)).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status())
                .as(completionMarksOverAnotherOwner() ? "the stale owner's handler ran: the id is done"
                        : "the new owner still holds it")
                .isEqualTo(completionMarksOverAnotherOwner() ? DUPLICATE : BUSY);
    }

    @Test
    void releaseWithAStaleTokenShouldBeLostAndLeaveTheNewOwner() {
        String stale = claimAsNewOwner(ns, "order-1", shortTtl()).token();
        elapse(shortTtl());
        awaitClaimable(ns, "order-1");

        assertThat(store.release(ns, "order-1", stale)).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).as("the new owner still holds it").isEqualTo(BUSY);
    }

    @Test
    void idShouldBeDoneOnceTheStaleOwnerAndTheNewOwnerCompleted() {
        String stale = claimAsNewOwner(ns, "order-1", shortTtl()).token();
        elapse(shortTtl());
        String owner = awaitClaimable(ns, "order-1");

        assertThat(store.complete(ns, "order-1", stale, LONG)).isEqualTo(LOST);
        assertThat(store.complete(ns, "order-1", owner, LONG))
                .as(completionMarksOverAnotherOwner() ? "the stale owner's done mark replaced the new owner's lease"
                        : "the new owner kept its lease")
                .isEqualTo(completionMarksOverAnotherOwner() ? LOST : APPLIED);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void completeAfterTheLeaseExpiredShouldBeLostAndLeaveTheIdAbsent() {
        String token = claimAsNewOwner(ns, "order-1", shortTtl()).token();
        // claimed just after order-1 with the same lease, so it expires no earlier: awaiting it leaves order-1 untouched
        claimAsNewOwner(ns, "sentinel", shortTtl());
        elapse(shortTtl());
        awaitClaimable(ns, "sentinel");

        assertThat(store.complete(ns, "order-1", token, LONG)).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).as("an expired claim is not done").isEqualTo(CLAIMED);
    }

    @Test
    void releaseWithAForeignTokenShouldBeLostAndKeepTheOwner() {
        String owner = claimAsNewOwner(ns, "order-1", LONG).token();

        assertThat(store.release(ns, "order-1", "not-" + owner)).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(BUSY);
        assertThat(store.complete(ns, "order-1", owner, LONG)).isEqualTo(APPLIED);
    }

    @Test
    void completeWithAForeignTokenShouldBeLostAndLeaveTheIdToNoThirdOwner() {
        String owner = claimAsNewOwner(ns, "order-1", LONG).token();

        assertThat(store.complete(ns, "order-1", "not-" + owner, LONG)).isEqualTo(LOST);
        assertThat(store.release(ns, "order-1", "not-" + owner)).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status())
                .isEqualTo(completionMarksOverAnotherOwner() ? DUPLICATE : BUSY);
        assertThat(store.complete(ns, "order-1", owner, LONG))
                .isEqualTo(completionMarksOverAnotherOwner() ? LOST : APPLIED);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void completeOrReleaseOfAnUnclaimedIdShouldBeLost() {
        assertThat(store.complete(ns, "never-claimed", "some-token", LONG)).isEqualTo(LOST);
        assertThat(store.release(ns, "never-claimed", "some-token")).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "never-claimed", LONG).status()).isEqualTo(CLAIMED);
    }

    @Test
    void completeAgainByItsOwnerShouldBeAppliedButReleaseOfADoneIdLostAndItStaysDone() {
        String token = claimAsNewOwner(ns, "order-1", LONG).token();
        store.complete(ns, "order-1", token, LONG);

        assertThat(store.complete(ns, "order-1", token, LONG)).as("idempotent: a retried batch is not lost")
                .isEqualTo(APPLIED);
        assertThat(store.complete(ns, "order-1", "not-" + token, LONG)).isEqualTo(LOST);
        assertThat(store.release(ns, "order-1", token)).isEqualTo(LOST);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(DUPLICATE);
    }

    @Test
    void retentionExpiryShouldMakeADoneIdClaimableAgain() {
        String token = claimAsNewOwner(ns, "order-1", LONG).token();
        assertThat(store.complete(ns, "order-1", token, shortTtl())).isEqualTo(APPLIED);
        assertThat(claimAsNewOwner(ns, "order-1", LONG).status()).isEqualTo(DUPLICATE);

        elapse(shortTtl());

        awaitClaimable(ns, "order-1");
    }

    @Test
    void doneIdShouldOutliveTheLeaseItWasClaimedWith() {
        String token = claimAsNewOwner(ns, "order-1", shortTtl()).token();
        assertThat(store.complete(ns, "order-1", token, LONG)).isEqualTo(APPLIED);

        elapse(shortTtl().multipliedBy(2));

        await("the done id to stay done past its lease").during(shortTtl().multipliedBy(2))
                .atMost(shortTtl().multipliedBy(2).plus(expiryTimeout()))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> claimAsNewOwner(ns, "order-1", LONG).status() == DUPLICATE);
    }

    @Test
    void namespacesShouldNotSeeEachOthersIds() {
        String other = newNamespace();
        String token = claimAsNewOwner(ns, "order-1", LONG).token();
        store.complete(ns, "order-1", token, LONG);

        assertThat(claimAsNewOwner(other, "order-1", LONG).status()).isEqualTo(CLAIMED);
        assertThat(store.complete(other, "order-1", token, LONG)).isEqualTo(LOST);
    }

    @Test
    void idsShouldBeTakenLiterally() {
        List<String> ids = List.of("a", "a:b", "b", "A", "ü-€-漢", "{tag}x", "{tag}y", "with space", "");

        for (String id : ids) {
            assertThat(claimAsNewOwner(ns, id, LONG).status()).as("claim of '%s'", id).isEqualTo(CLAIMED);
        }
        for (String id : ids) {
            assertThat(claimAsNewOwner(ns, id, LONG).status()).as("second claim of '%s'", id).isEqualTo(BUSY);
        }
    }

    @Test
    void batchClaimShouldEqualClaimingOneByOne() {
        String single = newNamespace();
        for (String namespace : List.of(ns, single)) {
            store.complete(namespace, "done", claimAsNewOwner(namespace, "done", LONG).token(), LONG);
            claimAsNewOwner(namespace, "busy", LONG);
        }
        String twice = newToken();
        List<Lease> claims = List.of(new Lease("new-1", newToken()), new Lease("done", newToken()),
                new Lease("busy", newToken()), new Lease("new-1", newToken()), new Lease("new-2", twice),
                new Lease("done", newToken()), new Lease("new-2", twice));

        List<ClaimResult> batch = store.claimAll(ns, claims, LONG);
        List<ClaimResult> oneByOne = new ArrayList<>();
        for (Lease claim : claims) {
            oneByOne.add(store.claim(single, claim.id(), claim.token(), LONG));
        }

        assertThat(statuses(batch)).containsExactly(CLAIMED, DUPLICATE, BUSY, BUSY, CLAIMED, DUPLICATE, CLAIMED);
        assertThat(statuses(batch)).isEqualTo(statuses(oneByOne));
        assertThat(store.complete(ns, "new-1", batch.get(0).token(), LONG)).isEqualTo(APPLIED);
        assertThat(store.complete(ns, "new-2", batch.get(4).token(), LONG)).isEqualTo(APPLIED);
    }

    @Test
    void batchCompleteShouldEqualCompletingOneByOne() {
        String single = newNamespace();
        List<List<Lease>> leasesPerNamespace = new ArrayList<>();
        for (String namespace : List.of(ns, single)) {
            String a = claimAsNewOwner(namespace, "a", LONG).token();
            String b = claimAsNewOwner(namespace, "b", LONG).token();
            String done = claimAsNewOwner(namespace, "done", LONG).token();
            store.complete(namespace, "done", done, LONG);
            leasesPerNamespace.add(List.of(new Lease("a", a), new Lease("b", "foreign-token"), new Lease("unclaimed", a),
                    new Lease("done", done), new Lease("b", b), new Lease("a", a)));
        }

        List<LeaseOutcome> batch = store.completeAll(ns, leasesPerNamespace.get(0), LONG);
        List<LeaseOutcome> oneByOne = new ArrayList<>();
        for (Lease lease : leasesPerNamespace.get(1)) {
            oneByOne.add(store.complete(single, lease.id(), lease.token(), LONG));
        }

        // the second "b" finds the first one's foreign done mark where a store that marks over another owner wrote it
        assertThat(batch).containsExactly(APPLIED, LOST, LOST, APPLIED,
                completionMarksOverAnotherOwner() ? LOST : APPLIED, APPLIED);
        assertThat(batch).isEqualTo(oneByOne);
        assertThat(statuses(claimAllAsNewOwners(ns, List.of("a", "b", "unclaimed"), LONG)))
                .containsExactly(DUPLICATE, DUPLICATE, CLAIMED);
    }

    @Test
    void batchClaimsShouldExpireLikeSingleClaims() {
        List<ClaimResult> claimed = claimAllAsNewOwners(ns, List.of("x", "y"), shortTtl());
        assertThat(statuses(claimed)).containsExactly(CLAIMED, CLAIMED);

        elapse(shortTtl());

        awaitClaimable(ns, "x");
        awaitClaimable(ns, "y");
        assertThat(store.completeAll(ns, List.of(new Lease("x", claimed.get(0).token())), LONG)).containsExactly(LOST);
    }

    @Test
    void largeBatchShouldClaimEveryIdOnceForItsOwnToken() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ids.add("bulk-" + i);
        }
        List<Lease> claims = withNewTokens(ids);

        List<ClaimResult> results = store.claimAll(ns, claims, LONG);

        assertThat(statuses(results)).containsOnly(CLAIMED).hasSize(ids.size());
        assertThat(results.stream().map(ClaimResult::token).toList())
                .isEqualTo(claims.stream().map(Lease::token).toList());
        assertThat(store.completeAll(ns, claims, LONG)).containsOnly(APPLIED).hasSize(ids.size());
        assertThat(statuses(claimAllAsNewOwners(ns, ids, LONG))).containsOnly(DUPLICATE);
    }

    @Test
    void emptyBatchesShouldReturnEmptyLists() {
        assertThat(store.claimAll(ns, List.of(), LONG)).isEmpty();
        assertThat(store.completeAll(ns, List.of(), LONG)).isEmpty();
    }

    @Test
    void nonPositiveLeaseOrRetentionShouldBeRejected() {
        String token = claimAsNewOwner(ns, "order-1", LONG).token();

        assertThatThrownBy(() -> store.claim(ns, "order-2", newToken(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> store.claimAll(ns, List.of(new Lease("order-2", newToken())), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease");
        assertThatThrownBy(() -> store.complete(ns, "order-1", token, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
        assertThat(store.complete(ns, "order-1", token, LONG)).as("a rejected call changes nothing").isEqualTo(APPLIED);
    }

    @Test
    void forgottenDoneIdsShouldRunAgainWhileHeldLeasesStay() {
        String done1 = "done-1";
        String done2 = "done-2";
        String held = "held-1";
        store.complete(ns, done1, claimAsNewOwner(ns, done1, LONG).token(), LONG);
        store.complete(ns, done2, claimAsNewOwner(ns, done2, LONG).token(), LONG);
        claimAsNewOwner(ns, held, LONG);
        String otherNamespace = newNamespace();
        store.complete(otherNamespace, done1, claimAsNewOwner(otherNamespace, done1, LONG).token(), LONG);

        int forgotten = store.forgetAll(ns, List.of(done1, done2, held, "never-seen"));

        assertThat(forgotten).as("done marks forgotten").isEqualTo(2);
        assertThat(statuses(claimAllAsNewOwners(ns, List.of(done1, done2, held), LONG)))
                .containsExactly(CLAIMED, CLAIMED, BUSY);
        assertThat(claimAsNewOwner(otherNamespace, done1, LONG).status()).as("another namespace's mark")
                .isEqualTo(DUPLICATE);
        assertThat(store.forgetAll(ns, List.of())).isZero();
    }

    protected static List<ClaimResult.Status> statuses(List<ClaimResult> results) {
        return results.stream().map(ClaimResult::status).toList();
    }
}
