package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeapTrendTest {

    private static HeapWatch.Sample at(long nanos, long bytes) {
        return new HeapWatch.Sample(nanos, bytes);
    }

    @Test
    void aFlatHeapShouldHaveGrowthNearOne() {
        HeapTrend t = HeapTrend.of(List.of(at(5, 38), at(10, 40), at(40, 45), at(70, 42), at(95, 44)), 0, 90);

        assertThat(t.collections()).as("the sample after the period is ignored").isEqualTo(4);
        assertThat(t.peakBytes()).isEqualTo(45);
        assertThat(t.firstThirdMax()).isEqualTo(40);
        assertThat(t.lastThirdMax()).as("the collection at 40 holds until the one at 70").isEqualTo(45);
        assertThat(t.growth()).isCloseTo(1.125, org.assertj.core.data.Offset.offset(0.001));
    }

    @Test
    void aGrowingHeapShouldShowInTheLastThird() {
        HeapTrend t = HeapTrend.of(List.of(at(10, 40), at(40, 80), at(80, 120)), 0, 90);

        assertThat(t.peakBytes()).isEqualTo(120);
        assertThat(t.growth()).isEqualTo(3.0);
    }

    @Test
    void theCollectionBeforeThePeriodShouldHoldUntilTheNextOne() {
        // a collection just before the period, then one in the middle third only
        HeapTrend t = HeapTrend.of(List.of(at(-1, 50), at(45, 60)), 0, 90);

        assertThat(t.collections()).isEqualTo(1);
        assertThat(t.firstThirdMax()).as("the value before the period holds through the first third").isEqualTo(50);
        assertThat(t.lastThirdMax()).as("the middle third's collection holds through the last").isEqualTo(60);
        assertThat(t.peakBytes()).isEqualTo(60);
    }

    @Test
    void noCollectionBeforeTheFirstThirdEndsShouldLeaveGrowthUnknown() {
        HeapTrend t = HeapTrend.of(List.of(at(80, 60)), 0, 90);

        assertThat(t.firstThirdMax()).isZero();
        assertThat(t.growth()).isNaN();
    }

    @Test
    void noCollectionAtAllShouldReportTheHeapInEffect() {
        HeapTrend t = HeapTrend.of(List.of(at(-5, 30)), 0, 90);

        assertThat(t.collections()).isZero();
        assertThat(t.peakBytes()).isEqualTo(30);
        assertThat(t.growth()).isEqualTo(1.0);
    }
}
