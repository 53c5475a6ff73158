package dev.keel.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterFilterTest {

    private static final Instant AT = Instant.parse("2026-11-22T15:00:00Z");

    private static DeadLetter letter(String id, String causeClass, Instant at) {
        return new DeadLetter(id, "k", "g", causeClass, "boom", 3, "orders", "0", 7, at, "handler", 10, false);
    }

    @Test
    void allMatchesEveryLetter() {
        assertThat(DeadLetterFilter.all().matches(letter("a", null, null))).isTrue();
    }

    @Test
    void causeClassMatchesTheQualifiedOrTheSimpleName() {
        DeadLetter letter = letter("a", "java.lang.IllegalStateException", AT);

        assertThat(DeadLetterFilter.all().withCauseClass("java.lang.IllegalStateException").matches(letter)).isTrue();
        assertThat(DeadLetterFilter.all().withCauseClass("IllegalStateException").matches(letter)).isTrue();
        assertThat(DeadLetterFilter.all().withCauseClass("StateException").matches(letter)).isFalse();
        assertThat(DeadLetterFilter.all().withCauseClass("IllegalArgumentException").matches(letter)).isFalse();
    }

    @Test
    void timeRangeIncludesItsStartAndExcludesItsEnd() {
        DeadLetterFilter range = DeadLetterFilter.all().withTimeRange(AT, AT.plusSeconds(60));

        assertThat(range.matches(letter("a", "X", AT))).isTrue();
        assertThat(range.matches(letter("a", "X", AT.plusSeconds(60)))).isFalse();
        assertThat(range.matches(letter("a", "X", AT.minusMillis(1)))).isFalse();
        assertThat(range.matches(letter("a", "X", null))).as("no time: no match").isFalse();
        assertThat(DeadLetterFilter.all().withTimeRange(null, AT).matches(letter("a", "X", AT.minusSeconds(5))))
                .isTrue();
    }

    @Test
    void badValuesAreRefusedClearly() {
        assertThatThrownBy(() -> DeadLetterFilter.all().withCauseClass(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("causeClass");
        assertThatThrownBy(() -> DeadLetterFilter.all().withTimeRange(AT, AT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must end after it starts");
    }

    @Test
    void filtersWithTheSameConditionsAreEqual() {
        assertThat(DeadLetterFilter.all().withCauseClass("X").withId("a"))
                .isEqualTo(DeadLetterFilter.all().withId("a").withCauseClass("X"))
                .hasSameHashCodeAs(DeadLetterFilter.all().withId("a").withCauseClass("X"));
    }
}
