package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DelayQueuesTest {

    @Test
    void delaysShouldRoundUpToTwoSignificantDigitsAndAtLeastOneStep() {
        assertThat(DelayQueues.bucketMillis(1)).isEqualTo(100);
        assertThat(DelayQueues.bucketMillis(100)).isEqualTo(100);
        assertThat(DelayQueues.bucketMillis(101)).isEqualTo(200);
        assertThat(DelayQueues.bucketMillis(1_234)).isEqualTo(1_300);
        assertThat(DelayQueues.bucketMillis(10_000)).isEqualTo(10_000);
        assertThat(DelayQueues.bucketMillis(10_001)).isEqualTo(11_000);
        assertThat(DelayQueues.bucketMillis(7_380_000)).isEqualTo(7_400_000);
    }

    @Test
    void aBucketShouldNeverBeShorterThanTheDelay() {
        for (long delay = 1; delay < 3_000_000; delay += 997) {
            long bucket = DelayQueues.bucketMillis(delay);
            assertThat(bucket).isGreaterThanOrEqualTo(delay).isLessThanOrEqualTo(Math.max(100, delay + delay / 10));
        }
    }
}
