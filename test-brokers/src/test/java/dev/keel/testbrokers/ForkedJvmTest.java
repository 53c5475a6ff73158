package dev.keel.testbrokers;

import dev.keel.testbrokers.fixtures.CountingMain;
import dev.keel.testbrokers.fixtures.SpawningMain;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ForkedJvmTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void capturesLinesAndDiesOnKill() {
        try (ForkedJvm child = ForkedJvm.start(CountingMain.class, "3")) {
            assertThat(child.awaitLineContaining("line 3", TIMEOUT)).isEqualTo("line 3");
            assertThat(child.lines()).containsSubsequence("line 1", "line 2", "line 3");
            long pid = child.pid();

            assertThat(child.kill()).isEqualTo(137);

            assertThat(child.isAlive()).isFalse();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
        }
    }

    @Test
    void awaitingALineTheChildNeverPrintsFailsWithItsOutput() {
        try (ForkedJvm child = ForkedJvm.start(CountingMain.class, "1")) {
            assertThatThrownBy(() -> child.awaitLineContaining("line 2", Duration.ofSeconds(2)))
                    .isInstanceOf(ProcessWaitException.class)
                    .hasMessageContaining("line 1");
        }
    }

    @Test
    void childThatExitsFailsTheWaitAtOnce() {
        try (ForkedJvm child = ForkedJvm.builder("dev.keel.testbrokers.fixtures.NoSuchMain").start()) {
            assertThatThrownBy(() -> child.awaitLineContaining("never", TIMEOUT))
                    .isInstanceOf(ProcessWaitException.class)
                    .hasMessageContaining("ended (exit code 1)");
        }
    }

    @Test
    void grandchildDiesWhenItsParentJvmIsKilled() {
        try (ForkedJvm child = ForkedJvm.start(SpawningMain.class)) {
            String line = child.awaitLine(l -> l.startsWith("grandchild "), TIMEOUT);
            long grandchildPid = Long.parseLong(line.substring("grandchild ".length()));
            assertThat(ProcessHandle.of(grandchildPid)).isPresent();

            child.kill();

            await().atMost(TIMEOUT).until(() -> ProcessHandle.of(grandchildPid).map(p -> !p.isAlive()).orElse(true));
        }
    }
}
