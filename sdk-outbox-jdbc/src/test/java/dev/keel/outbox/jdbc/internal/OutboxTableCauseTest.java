package dev.keel.outbox.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The park cause kept in the table: whole when it fits the column, else cut, never inside a character. */
class OutboxTableCauseTest {

    @Test
    void aCauseThatFitsShouldBeKeptWhole() {
        String cause = "x".repeat(OutboxTable.MAX_CAUSE_CHARS);
        assertThat(OutboxTable.cut(cause)).isEqualTo(cause);
    }

    @Test
    void aLongerCauseShouldBeCutToTheColumnWithoutSplittingACharacter() {
        String cause = "x".repeat(OutboxTable.MAX_CAUSE_CHARS - 4) + "\uD83D\uDE00" + "y".repeat(50);
        String cut = OutboxTable.cut(cause);
        assertThat(cut).hasSizeLessThanOrEqualTo(OutboxTable.MAX_CAUSE_CHARS).endsWith("x...");
    }
}
