package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CpuListTest {

    @Test
    void listsAndRangesShouldParseAndPrintInTheShortestForm() {
        assertThat(CpuList.parse("1")).hasToString("1");
        assertThat(CpuList.parse(" 0, 2 ")).hasToString("0,2");
        assertThat(CpuList.parse("0-3,6")).hasToString("0-3,6");
        assertThat(CpuList.parse("3,0,1,2")).hasToString("0-3").isEqualTo(CpuList.parse("0-3"));
        assertThat(CpuList.parse("0-3").size()).isEqualTo(4);
    }

    @Test
    void theCpusLeftForTheBenchShouldBeTheOthers() {
        CpuList all = CpuList.parse("0-3");
        assertThat(all.minus(CpuList.parse("1"))).hasToString("0,2-3");
        assertThat(all.minus(CpuList.parse("0-3")).isEmpty()).isTrue();
        assertThat(all.containsAll(CpuList.parse("2-3"))).isTrue();
        assertThat(all.containsAll(CpuList.parse("3-4"))).isFalse();
    }

    @Test
    void emptyOrMalformedListsShouldBeRefusedWithAnExample() {
        for (String bad : new String[] {"", " ", "a", "1,", "-1", "1-", "1;2", "4096"}) {
            assertThatThrownBy(() -> CpuList.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("e.g. 1 or 0,2");
        }
    }

    @Test
    void aBackwardsRangeShouldBeRefused() {
        assertThatThrownBy(() -> CpuList.parse("3-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("runs backwards");
    }
}
