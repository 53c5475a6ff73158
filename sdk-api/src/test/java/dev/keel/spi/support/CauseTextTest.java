package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A failure's message becomes a header of its dead letter and retry copy: one every broker carries (RocketMQ refuses
 * its property separators and a broken surrogate pair in a property value), cut to its length without splitting a
 * character.
 */
class CauseTextTest {

    private static final int MAX = Utf8Text.MAX_CAUSE_LENGTH;

    @Test
    void controlCharactersShouldBecomeSpaces() {
        assertThat(Utf8Text.causeText("a\u0001b\u0002c\nd\te\u007f")).isEqualTo("a b c d e ");
    }

    @Test
    void aCutShouldNeverSplitASurrogatePair() {
        String text = Utf8Text.causeText("x".repeat(MAX - 1) + "\uD83D\uDE00 more");
        assertThat(text).isEqualTo("x".repeat(MAX - 1) + "...");
        assertThat(Utf8Text.causeText("x".repeat(MAX - 2) + "\uD83D\uDE00 more")).isEqualTo("x".repeat(MAX - 2) + "\uD83D\uDE00...");
    }

    @Test
    void aLoneHalfOfASurrogatePairShouldBecomeASpace() {
        assertThat(Utf8Text.causeText("a\uD83Db\uDE00c")).isEqualTo("a b c");
    }

    @Test
    void aMessageAtTheLimitShouldBeKeptWholeAndALongerOneCut() {
        assertThat(Utf8Text.causeText("y".repeat(MAX))).isEqualTo("y".repeat(MAX));
        assertThat(Utf8Text.causeText("y".repeat(MAX + 1))).isEqualTo("y".repeat(MAX) + "...");
        assertThat(Utf8Text.causeText("plain \u00e9t\u00e9 \u4e2d\u6587")).isEqualTo("plain \u00e9t\u00e9 \u4e2d\u6587");
    }
}
