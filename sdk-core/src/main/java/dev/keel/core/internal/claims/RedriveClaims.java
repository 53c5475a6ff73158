package dev.keel.core.internal.claims;

import dev.keel.KeelHeaders;
import dev.keel.core.internal.chain.RedriveTarget;
import dev.keel.core.internal.util.Batcher;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a subscription claims the ids of copies re-driven from a dead-letter topic, so that each dead
 * letter runs once. A copy (header {@link KeelHeaders#REDRIVEN_AT}) may take a dead id
 * ({@link IdempotencyStore#claimAllRedriven}). Once it holds the id, the dead letter it came from
 * ({@link KeelHeaders#REDRIVEN_LETTER}) is looked up among the letters marked used: a copy of that
 * letter that failed again and was dead-lettered again marked it ({@link #markLetterUsed}) before its
 * acknowledgement, so this copy (its redelivery after a crash, or the letter re-driven a second time)
 * marks the id dead again and is answered DUPLICATE, unrun. A copy re-driven by an earlier Keel, which
 * names no group, is claimed only where the id is dead: a plain probe first, and where the id has no mark
 * (this group never dead-lettered it, or the mark expired) it is answered DUPLICATE, unrun; once a probe found
 * its id dead, it is claimed as re-driven without a probe again (asked again after a lost reply, a probe with
 * its token would find its own claim and read it as "not dead"). Claims are
 * batched like every claim ({@link Batcher}); probes hold an id for {@link #PROBE_LEASE} only.
 */
final class RedriveClaims {

    private static final Logger LOG = LoggerFactory.getLogger(RedriveClaims.class);
    /**
     * The lease of a probe: a claim made only to learn an id's state, which expires by itself right
     * after it is answered, so it holds nothing that would need a release.
     */
    static final Duration PROBE_LEASE = Duration.ofMillis(1);
    /**
     * Suffix of the namespace of the dead letters whose re-driven copy was dead-lettered again (no topic
     * name holds a '#', so it is apart from every message namespace).
     */
    static final String USED_LETTERS = "#redriven-letters";

    /** The namespace of the used dead letters of the subscription whose claims are in {@code namespace}. */
    static String usedLettersNamespace(String namespace) {
        return namespace + USED_LETTERS;
    }

    private final IdempotencyStore store;
    private final String lettersNamespace;
    private final Duration lease;
    private final Duration retention;
    private final ExecutorService executor;
    private final Function<Lease, CompletableFuture<LeaseOutcome>> markDead;
    private final String topic;
    private final String group;
    /** Claims that may take a dead id. */
    private final Batcher<Lease, ClaimResult> redrivenClaims;
    /** Probes of ids in the namespace (copies of an earlier Keel: is the id dead here?). */
    private final Batcher<Lease, ClaimResult> probes;
    /** Probes of the letters copies came from (was a copy of that letter dead-lettered again?). */
    private final Batcher<Lease, ClaimResult> letterProbes;

    /** {@code markDead}: marks an id of the namespace dead, on the store's threads. */
    RedriveClaims(IdempotencyStore store, String namespace, Duration lease, Duration retention,
                  ExecutorService executor, Function<Lease, CompletableFuture<LeaseOutcome>> markDead, String topic,
                  String group, int maxBatch) {
        this.store = store;
        this.lettersNamespace = usedLettersNamespace(namespace);
        this.lease = lease;
        this.retention = retention;
        this.executor = executor;
        this.markDead = markDead;
        this.topic = topic;
        this.group = group;
        this.redrivenClaims = new Batcher<>(batch -> store.claimAllRedriven(namespace, batch, lease), executor,
                maxBatch);
        this.probes = new Batcher<>(batch -> store.claimAll(namespace, batch, PROBE_LEASE), executor,
                maxBatch);
        this.letterProbes = new Batcher<>(batch -> store.claimAll(lettersNamespace, batch, PROBE_LEASE), executor,
                maxBatch);
    }

    /** Whether {@code claim} is of a re-driven copy, claimed here rather than as a plain message. */
    static boolean claimsOf(Claim claim) {
        return RedriveTarget.isRedriven(claim.work().record().headers());
    }

    /** Claims each re-driven copy's id with its token, in one batch per kind; results in the order of {@code works}. */
    List<CompletableFuture<ClaimResult>> claimAll(List<Claim> claims) {
        List<Lease> targeted = new ArrayList<>();
        List<Lease> earlier = new ArrayList<>();
        boolean[] probed = new boolean[claims.size()]; // read once: a probe answered meanwhile may change it
        for (int i = 0; i < claims.size(); i++) {
            probed[i] = namesNoGroup(claims.get(i));
            (probed[i] ? earlier : targeted).add(claims.get(i).lease());
        }
        List<CompletableFuture<ClaimResult>> targetedResults =
                targeted.isEmpty() ? List.of() : redrivenClaims.submitAll(targeted);
        List<CompletableFuture<ClaimResult>> earlierResults = earlier.isEmpty() ? List.of() : probes.submitAll(earlier);
        List<CompletableFuture<ClaimResult>> results = new ArrayList<>(claims.size());
        int t = 0;
        int e = 0;
        for (int i = 0; i < claims.size(); i++) {
            Claim claim = claims.get(i);
            results.add(probed[i] ? onlyWhereDead(claim, earlierResults.get(e++))
                    : unlessLetterUsed(claim, targetedResults.get(t++)));
        }
        return results;
    }

    /** Claims one re-driven copy's id, as {@link #claimAll} would. */
    CompletableFuture<ClaimResult> claim(Claim claim) {
        return namesNoGroup(claim) ? onlyWhereDead(claim, probes.submit(claim.lease()))
                : unlessLetterUsed(claim, redrivenClaims.submit(claim.lease()));
    }

    /**
     * For a re-driven copy that is dead-lettered again: marks the dead letter it came from used (done,
     * for the retention), so that another copy of it is not run. True once marked (or already); false
     * when a probe holds the mark this very moment (try again). True at once for any other message.
     */
    CompletableFuture<Boolean> markLetterUsed(Claim claim) {
        String letter = letterKey(claim);
        if (letter == null) {
            return CompletableFuture.completedFuture(true);
        }
        return CompletableFuture.supplyAsync(() -> {
            ClaimResult answer = store.claim(lettersNamespace, letter, claim.token(), lease);
            return switch (answer.status()) {
                case CLAIMED -> store.complete(lettersNamespace, letter, claim.token(), retention)
                        == LeaseOutcome.APPLIED;
                case DUPLICATE -> true;
                case BUSY -> false;
            };
        }, executor);
    }

    /**
     * A re-driven copy that claimed its id: DUPLICATE instead when a copy of the same dead letter was
     * dead-lettered again, once the id is marked dead again (the claim took it from dead).
     */
    private CompletableFuture<ClaimResult> unlessLetterUsed(Claim claim, CompletableFuture<ClaimResult> answer) {
        String letter = letterKey(claim);
        if (letter == null) {
            return answer;
        }
        return answer.thenCompose(result -> !result.isClaimed() ? CompletableFuture.completedFuture(result)
                : letterProbes.submit(new Lease(letter, claim.token())).thenCompose(probe -> {
                    if (probe.status() != ClaimResult.Status.DUPLICATE) {
                        return CompletableFuture.completedFuture(result);
                    }
                    return markDead.apply(claim.lease()).thenApply(outcome -> {
                        LOG.info("message {} from {} re-driven for group {} comes from a dead letter whose copy was "
                                + "dead-lettered again already: acknowledged, not run{}", claim.id(), topic,
                                group, outcome == LeaseOutcome.APPLIED ? ""
                                        : " (its id could not be marked dead again: " + outcome + ")");
                        return ClaimResult.duplicate();
                    });
                }));
    }

    /**
     * A copy re-driven by an earlier Keel, probed with a plain claim: no mark (CLAIMED, for a moment)
     * means this group holds no dead letter of it: DUPLICATE, unrun; done or dead (DUPLICATE) is claimed
     * as re-driven, so it runs if it is dead.
     */
    private CompletableFuture<ClaimResult> onlyWhereDead(Claim claim, CompletableFuture<ClaimResult> probe) {
        return probe.thenCompose(result -> switch (result.status()) {
            case CLAIMED -> {
                LOG.debug("message {} from {} was re-driven by an earlier Keel (no group named) and is not dead in "
                        + "group {}: acknowledged, not run", claim.id(), topic, group);
                yield CompletableFuture.completedFuture(ClaimResult.duplicate());
            }
            case BUSY -> CompletableFuture.completedFuture(result);
            case DUPLICATE -> {
                claim.foundDead();
                yield redrivenClaims.submit(claim.lease());
            }
        });
    }

    /**
     * Whether {@code claim} is probed before it is claimed: a copy of an earlier Keel, unless a probe found its id dead
     * already (then it may hold the id itself, and a probe with its token would find its own claim).
     */
    private static boolean namesNoGroup(Claim claim) {
        return RedriveTarget.namesNoGroup(claim.work().record().headers()) && !claim.isFoundDead();
    }


    /** The store id of the dead letter a re-driven copy came from, or null when it names none. */
    private static String letterKey(Claim claim) {
        Map<String, String> headers = claim.work().record().headers();
        String letter = headers.get(KeelHeaders.REDRIVEN_LETTER);
        return letter == null || !RedriveTarget.isRedriven(headers) ? null : letter + ":" + claim.id();
    }
}
