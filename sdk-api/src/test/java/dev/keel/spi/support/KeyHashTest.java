package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyHashTest {

    @Test
    void similarKeysShouldSpreadOverEveryLane() {
        Set<Integer> lanes = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            lanes.add(KeyHash.laneOf("k" + i, 4));
        }
        assertThat(lanes).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void manyKeysShouldSpreadEvenly() {
        int lanes = 8;
        int[] counts = new int[lanes];
        for (int i = 0; i < 80_000; i++) {
            counts[KeyHash.laneOf("order-" + i, lanes)]++;
        }
        for (int count : counts) {
            assertThat(count).isBetween(9_000, 11_000);
        }
    }

    @Test
    void theSameKeyShouldAlwaysPickTheSameLane() {
        assertThat(KeyHash.laneOf("order-42", 16)).isEqualTo(KeyHash.laneOf("order-42", 16))
                .isBetween(0, 15);
    }

    @Test
    void zeroLanesShouldFail() {
        assertThatThrownBy(() -> KeyHash.laneOf("k", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
