package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    @Test
    void threadsShouldBeDaemonsNamedAfterThePrefixCountingFromOne() {
        DaemonThreads threads = DaemonThreads.named("keel-test");
        Thread first = threads.newThread(() -> { });
        Thread second = threads.newThread(() -> { });
        assertThat(first.isDaemon()).isTrue();
        assertThat(second.isDaemon()).isTrue();
        assertThat(first.getName()).isEqualTo("keel-test-1");
        assertThat(second.getName()).isEqualTo("keel-test-2");
    }

    @Test
    void eachFactoryShouldCountOnItsOwn() {
        DaemonThreads.named("keel-test").newThread(() -> { });
        assertThat(DaemonThreads.named("keel-test").newThread(() -> { }).getName()).isEqualTo("keel-test-1");
    }

    @Test
    void blankPrefixShouldFailWithIllegalArgumentException() {
        assertThatThrownBy(() -> DaemonThreads.named(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix");
    }
}
