package dev.keel.testbrokers.internal.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class StaleRunCleanupTest {

    @Test
    void processesLeftByADeadRunAreKilledAndLiveRunsAreLeftAlone(@TempDir Path base) throws Exception {
        RunDirectory current = RunDirectory.create(base);
        Path stale = base.resolve("run-1");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("owner"), "1 0");
        Process leftover = new ProcessBuilder("sleep", "300").start();
        try {
            new PidRegistry(stale.resolve(RunDirectory.PID_FILE)).record(leftover.toHandle(), "leftover");

            assertThat(current.staleRuns()).containsExactly(stale);
            List<String> killed = PidRegistry.killRecorded(stale.resolve(RunDirectory.PID_FILE));

            assertThat(killed).containsExactly("leftover (pid " + leftover.pid() + ")");
            assertThat(leftover.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            leftover.destroyForcibly();
        }
    }

    @Test
    void aRecordedPidNowUsedByAnotherProcessIsNotKilled(@TempDir Path base) throws Exception {
        Process other = new ProcessBuilder("sleep", "300").start();
        try {
            Path pidFile = base.resolve(RunDirectory.PID_FILE);
            Files.writeString(pidFile, other.pid() + " 12345 reused" + System.lineSeparator());

            assertThat(PidRegistry.killRecorded(pidFile)).isEmpty();
            assertThat(other.isAlive()).isTrue();
        } finally {
            other.destroyForcibly();
        }
    }
}
