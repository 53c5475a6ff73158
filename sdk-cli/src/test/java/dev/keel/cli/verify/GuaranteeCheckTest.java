package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.BrokerUnavailableException;
import dev.keel.PublishException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class GuaranteeCheckTest {

    /** Three healthy messages on key k0: r-0, r-1, r-2 with seq 0, 1, 2. */
    private static final PublishPlan PLAN = PublishPlan.create("r-", "k", 1, new VerifySettings(3, 1, 1, 0.0, 0, 0.0,
            0.0, 1, true, Duration.ofSeconds(2), Duration.ofSeconds(10), Set.of(), null));
    private static final ToIntFunction<String> PUBLISH_ORDER = id -> -1;

    private final EffectLedger ledger = new EffectLedger();
    private final DeadLetterCollector deadLetters = new DeadLetterCollector();
    private final Violations violations = new Violations();

    @Test
    void aSecondEffectOfAnIdNoCrashHadInItsWindowShouldBeADuplicateEffect() {
        apply("r-0", "r-0", "r-1", "r-2");

        check(List.of(), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.count(ViolationKind.DUPLICATE_EFFECT)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.DUPLICATE_EFFECT)).containsExactly("r-0 applied 2 times");
        assertThat(violations.total()).isEqualTo(1);
    }

    @Test
    void aRepeatOfAnIdInACrashWindowShouldBeAdmittedOnce() {
        ConsumerDisruption crash = crash(Map.of("r-1", "k0"));
        apply("r-0", "r-1", "r-1", "r-2");

        GuaranteeCheck.Summary summary = check(List.of(crash), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.total()).isZero();
        assertThat(summary.windowRepeats()).isEqualTo(1);
        assertThat(summary.repeatsByCrash()).containsEntry(crash, 1);
    }

    @Test
    void aRepeatBeyondTheCrashesThatHadItInTheirWindowShouldExceedTheWindow() {
        apply("r-0", "r-1", "r-1", "r-1", "r-2");

        check(List.of(crash(Map.of("r-1", "k0"))), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.count(ViolationKind.CRASH_WINDOW_EXCEEDED)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.CRASH_WINDOW_EXCEEDED).get(0))
                .contains("r-1 applied 3 times; 1 crash(es) had it in their window, so at most 2 are admitted");
    }

    @Test
    void aCrashWindowWithTwoMessagesOfOneKeyShouldExceedTheWindow() {
        apply("r-0", "r-1", "r-2");

        check(List.of(crash(Map.of("r-0", "k0", "r-1", "k0"))), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.count(ViolationKind.CRASH_WINDOW_EXCEEDED)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.CRASH_WINDOW_EXCEEDED).get(0))
                .contains("2 messages of key k0 between their effect and being marked done: [r-0, r-1]");
    }

    @Test
    void aWindowRepeatAfterTheNextMessageOfItsKeyShouldBeOutOfOrder() {
        apply("r-0", "r-1", "r-0", "r-2");

        check(List.of(crash(Map.of("r-0", "k0"))), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.count(ViolationKind.OUT_OF_ORDER)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.OUT_OF_ORDER).get(0))
                .isEqualTo("key k0: seq 0 (r-0) applied again after seq 1 (m1, m2, m1)");
    }

    @Test
    void aLowerSequenceAfterAHigherOneOnTheSameKeyShouldBeOutOfOrder() {
        apply("r-1", "r-0", "r-2");

        check(List.of(), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.count(ViolationKind.OUT_OF_ORDER)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.OUT_OF_ORDER).get(0))
                .contains("key k0: seq 0 (r-0) applied after seq 1");
    }

    @Test
    void theBrokersOrderShouldWinOverThePublishOrder() {
        Map<String, Integer> stored = Map.of("r-1", 1, "r-0", 2, "r-2", 3); // r-0 was retried after a cut
        apply("r-1", "r-0", "r-2");

        check(List.of(), stored::get, confirmedRound(false));

        assertThat(violations.total()).isZero();
    }

    @Test
    void gapsInASequenceShouldNotBeViolations() {
        apply("r-0", "r-2");
        PublishOutcome outcome = new PublishOutcome();
        outcome.confirmedIds.addAll(Set.of("r-0", "r-2")); // r-1 was not confirmed: not promised

        check(List.of(), PUBLISH_ORDER, round(outcome, false));

        assertThat(violations.total()).isZero();
    }

    @Test
    void aConfirmedMessageNeverAppliedShouldBeLost() {
        apply("r-0", "r-2");

        check(List.of(), PUBLISH_ORDER, confirmedRound(false));

        assertThat(violations.count(ViolationKind.LOST)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.LOST).get(0)).startsWith("r-1 (key k0, seq 1) confirmed");
    }

    @Test
    void anOversizedMessageShouldFailWithANonRetriableKeelException() {
        apply("r-0", "r-1", "r-2");
        RoundData round = confirmedRound(false);
        round.outcome().oversized.add(oversized("r-o0", new PublishException("record too large", null, false)));
        round.outcome().oversized.add(oversized("r-o1", new BrokerUnavailableException("gone", null)));
        round.outcome().oversized.add(oversized("r-o2", new IllegalStateException("boom")));
        round.outcome().oversized.add(oversized("r-o3", null));

        check(List.of(), PUBLISH_ORDER, round);

        assertThat(violations.count(ViolationKind.OVERSIZED)).isEqualTo(3);
        assertThat(violations.examples(ViolationKind.OVERSIZED)).anySatisfy(e -> assertThat(e)
                .startsWith("r-o1").contains("BrokerUnavailableException (retriable)"))
                .anySatisfy(e -> assertThat(e).startsWith("r-o2").contains("IllegalStateException"))
                .anySatisfy(e -> assertThat(e).startsWith("r-o3").contains("was confirmed"));
    }

    @Test
    void aRetriableOversizedFailureWhileTheBrokerWasCutShouldNotBeJudged() {
        apply("r-0", "r-1", "r-2");
        RoundData round = confirmedRound(true);
        round.outcome().oversized.add(oversized("r-o0", new BrokerUnavailableException("circuit breaker open", null)));

        check(List.of(), PUBLISH_ORDER, round);

        assertThat(violations.total()).isZero();
        assertThat(round.outcome().oversized.get(0).verdict(true)).isEqualTo(PublishOutcome.Verdict.NOT_JUDGED);
    }

    @Test
    void aHealthyPublishFailingBesideOversizedOnesShouldCountUnlessTheBrokerWasCut() {
        apply("r-0", "r-2");
        PublishOutcome outcome = new PublishOutcome();
        outcome.confirmedIds.addAll(Set.of("r-0", "r-2"));
        outcome.failures.put("r-1", new PublishException("refused", null, false));
        outcome.oversized.add(oversized("r-o0", new PublishException("record too large", null, false)));

        check(List.of(), PUBLISH_ORDER, round(outcome, false));
        assertThat(violations.count(ViolationKind.OVERSIZED)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.OVERSIZED).get(0)).contains("the publish of r-1 failed");

        Violations whileCut = new Violations();
        new GuaranteeCheck(ledger, deadLetters, List.of(), PUBLISH_ORDER, Set.of()).check(List.of(round(outcome, true)),
                whileCut);
        assertThat(whileCut.total()).isZero();
    }

    private void apply(String... ids) {
        for (String id : ids) {
            ledger.apply(id, "k0", Integer.parseInt(id.substring(2)));
        }
    }

    private GuaranteeCheck.Summary check(List<ConsumerDisruption> crashes, ToIntFunction<String> order,
                                         RoundData round) {
        return new GuaranteeCheck(ledger, deadLetters, crashes, order, Set.of()).check(List.of(round), violations);
    }

    private static ConsumerDisruption crash(Map<String, String> window) {
        return new ConsumerDisruption(1, FaultKind.CRASH, 0, "crash[window]@k0#1", 0, window);
    }

    private static RoundData confirmedRound(boolean brokerCut) {
        PublishOutcome outcome = new PublishOutcome();
        PLAN.originals().forEach(p -> outcome.confirmedIds.add(p.id()));
        return round(outcome, brokerCut);
    }

    private static RoundData round(PublishOutcome outcome, boolean brokerCut) {
        return new RoundData(1, "r-", "k", PLAN, FaultPlan.create(1, 1, Set.of(), true, PLAN, new VerifySettings(3, 1,
                1, 0.0, 0, 0.0, 0.0, 1, true, Duration.ofSeconds(2), Duration.ofSeconds(10), Set.of(), null),
                FaultEnvironment.of("memory", null), SizeLimits.of("memory")), outcome, brokerCut);
    }

    private static PublishOutcome.Oversized oversized(String id, Throwable error) {
        return new PublishOutcome.Oversized(new FaultPlan.Fault(FaultKind.OVERSIZED, 0, null, null, "payload",
                Duration.ZERO, 2_000_000), id, error);
    }
}
