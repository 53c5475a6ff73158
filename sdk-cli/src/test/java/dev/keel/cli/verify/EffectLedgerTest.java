package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EffectLedgerTest {

    private final Violations violations = new Violations();
    private final EffectLedger ledger = new EffectLedger(violations);

    @Test
    void aSecondEffectOfAnIdShouldBeADuplicate() {
        ledger.apply("a", "k", 0);
        ledger.apply("a", "k", 0);

        assertThat(violations.count(ViolationKind.DUPLICATE_EFFECT)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.DUPLICATE_EFFECT)).containsExactly("a applied 2 times");
        assertThat(violations.count(ViolationKind.OUT_OF_ORDER)).isZero();
        assertThat(ledger.duplicatedIds()).containsExactly("a");
    }

    @Test
    void aLowerSequenceAfterAHigherOneOnTheSameKeyShouldBeOutOfOrder() {
        ledger.apply("b", "k", 1);
        ledger.apply("a", "k", 0);
        ledger.apply("c", "other", 0);

        assertThat(violations.count(ViolationKind.OUT_OF_ORDER)).isEqualTo(1);
        assertThat(violations.examples(ViolationKind.OUT_OF_ORDER).get(0)).contains("key k: seq 0 (a) applied after seq 1");
    }

    @Test
    void gapsInASequenceShouldNotBeViolations() {
        ledger.apply("a", "k", 0);
        ledger.apply("c", "k", 2);

        assertThat(violations.total()).isZero();
        assertThat(ledger.distinctApplied()).isEqualTo(2);
    }
}
