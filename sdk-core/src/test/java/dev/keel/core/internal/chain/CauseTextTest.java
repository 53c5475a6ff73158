package dev.keel.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A failure's message becomes a header of its dead letter and retry copy: one every broker carries (RocketMQ refuses
 * its property separators and a broken surrogate pair in a property value), cut to its length without splitting a
 * character.
 */
class CauseTextTest {

    private static final int MAX = Sends.MAX_CAUSE_LENGTH;

    @Test
    void controlCharactersShouldBecomeSpaces() {
        assertThat(Sends.causeText("a\u0001b\u0002c\nd\te\u007f")).isEqualTo("a b c d e ");
    }

    @Test
    void aCutShouldNeverSplitASurrogatePair() {
        String text = Sends.causeText("x".repeat(MAX - 1) + "\uD83D\uDE00 more");
        assertThat(text).isEqualTo("x".repeat(MAX - 1) + "...");
        assertThat(Sends.causeText("x".repeat(MAX - 2) + "\uD83D\uDE00 more")).isEqualTo("x".repeat(MAX - 2) + "\uD83D\uDE00...");
    }

    @Test
    void aLoneHalfOfASurrogatePairShouldBecomeASpace() {
        assertThat(Sends.causeText("a\uD83Db\uDE00c")).isEqualTo("a b c");
    }

    @Test
    void aMessageAtTheLimitShouldBeKeptWholeAndALongerOneCut() {
        assertThat(Sends.causeText("y".repeat(MAX))).isEqualTo("y".repeat(MAX));
        assertThat(Sends.causeText("y".repeat(MAX + 1))).isEqualTo("y".repeat(MAX) + "...");
        assertThat(Sends.causeText("plain \u00e9t\u00e9 \u4e2d\u6587")).isEqualTo("plain \u00e9t\u00e9 \u4e2d\u6587");
    }
}
