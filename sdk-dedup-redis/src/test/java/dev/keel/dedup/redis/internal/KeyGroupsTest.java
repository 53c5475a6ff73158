package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

class KeyGroupsTest {

    private static final List<String> KEYS = IntStream.range(0, 1200).mapToObj(i -> "keel:g:t:id-" + (i % 1000)).toList();

    @Test
    void standaloneGroupsShouldBeConsecutiveRunsOfAtMostMaxKeys() {
        List<List<Integer>> groups = KeyGroups.of(KEYS, false, 512);

        assertThat(groups).extracting(List::size).containsExactly(512, 512, 176);
        assertThat(groups.stream().flatMap(List::stream)).containsExactlyElementsOf(IntStream.range(0, 1200).boxed().toList());
    }

    @Test
    void clusterGroupsShouldHoldOneSlotEachAndKeepTheBatchOrder() {
        List<List<Integer>> groups = KeyGroups.of(KEYS, true, 512);

        List<Integer> all = new ArrayList<>();
        for (List<Integer> group : groups) {
            assertThat(group).extracting(i -> JedisClusterCRC16.getSlot(KEYS.get(i))).containsOnly(
                    JedisClusterCRC16.getSlot(KEYS.get(group.get(0))));
            assertThat(group).isSorted();
            all.addAll(group);
        }
        assertThat(all).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 1200).boxed().toList());
    }

    @Test
    void aKeyListedTwiceShouldLandInOneGroupInOrder() {
        List<List<Integer>> groups = KeyGroups.of(List.of("a", "b", "a"), true, 512);

        assertThat(groups).anySatisfy(group -> assertThat(group).containsSubsequence(0, 2));
    }

    @Test
    void nonPositiveMaxKeysShouldFail() {
        assertThatThrownBy(() -> KeyGroups.of(KEYS, false, 0)).hasMessageContaining("maxKeys must be >= 1");
    }
}
