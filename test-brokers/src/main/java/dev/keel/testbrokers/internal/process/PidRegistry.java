package dev.keel.testbrokers.internal.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The pid file of a run: one line per process started ({@code pid startMillis name}), so a later run
 * can kill what a crashed one left behind. The start time guards against a reused pid.
 */
public final class PidRegistry {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final Path file;

    public PidRegistry(Path file) {
        this.file = file;
    }

    public synchronized void record(ProcessHandle handle, String name) {
        String line = handle.pid() + " " + startMillis(handle).orElse(-1L) + " " + name + System.lineSeparator();
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record pid in " + file, e);
        }
    }

    /** Kills (-9) every process recorded in the pid file that still runs; returns what was killed. */
    public static List<String> killRecorded(Path pidFile) throws IOException {
        List<String> killed = new ArrayList<>();
        if (!Files.exists(pidFile)) {
            return killed;
        }
        for (String line : Files.readAllLines(pidFile, StandardCharsets.UTF_8)) {
            String[] parts = line.trim().split(" ", 3);
            if (parts.length < 3) {
                continue;
            }
            long pid = Long.parseLong(parts[0]);
            long started = Long.parseLong(parts[1]);
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent() && handle.get().isAlive() && startMillis(handle.get()).orElse(-2L) == started) {
                handle.get().destroyForcibly();
                awaitGone(handle.get());
                killed.add(parts[2] + " (pid " + pid + ")");
            }
        }
        return killed;
    }

    /** Whether the process that wrote an owner line ({@code pid startMillis}) still runs. */
    public static boolean isAlive(long pid, long startMillis) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(PidRegistry::startMillis)
                .map(s -> s == startMillis)
                .orElse(false);
    }

    public static Optional<Long> startMillis(ProcessHandle handle) {
        return handle.info().startInstant().map(i -> i.toEpochMilli());
    }

    private static void awaitGone(ProcessHandle handle) {
        try {
            handle.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // not our child: onExit may not complete promptly; it was sent kill -9
        }
    }
}
