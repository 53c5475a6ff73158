package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadTest {

    @Test
    void anOddCountShouldHaveTheMiddleValueAsMedian() {
        Spread s = Spread.of(List.of(3.0, 1.0, 2.0));

        assertThat(s.median()).isEqualTo(2.0);
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(s.max()).isEqualTo(3.0);
        assertThat(s.runs()).as("run order kept").containsExactly(3.0, 1.0, 2.0);
    }

    @Test
    void anEvenCountShouldHaveTheMeanOfTheTwoMiddleValuesAsMedian() {
        Spread s = Spread.of(List.of(10.0, 4.0, 1.0, 6.0));

        assertThat(s.median()).isEqualTo(5.0);
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(s.max()).isEqualTo(10.0);
    }

    @Test
    void oneValueShouldBeItsOwnMedianAndRange() {
        Spread s = Spread.of(List.of(7.5));

        assertThat(s.median()).isEqualTo(7.5);
        assertThat(s.min()).isEqualTo(7.5);
        assertThat(s.max()).isEqualTo(7.5);
        assertThat(s.relativeRange()).isZero();
    }

    @Test
    void relativeRangeShouldBeTheRangeOverTheMedian() {
        assertThat(Spread.of(List.of(0.8, 1.0, 1.2)).relativeRange()).isCloseTo(0.4, org.assertj.core.data.Offset
                .offset(1e-9));
    }

    @Test
    void noValuesShouldFail() {
        assertThatThrownBy(() -> Spread.of(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one value");
    }
}
