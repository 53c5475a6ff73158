package dev.keel.testbrokers.internal.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directory of one test JVM's run, {@code <base>/run-<pid>}: broker logs, data, the pid file
 * and an owner file naming this JVM. Other run directories whose owner is gone are stale.
 */
public final class RunDirectory {
    public static final String PID_FILE = "pids";
    private static final String OWNER_FILE = "owner";
    private static final String PREFIX = "run-";

    private final Path base;
    private final Path path;

    private RunDirectory(Path base, Path path) {
        this.base = base;
        this.path = path;
    }

    /** Creates the directory with its owner file in one atomic rename, so no other JVM ever sees it without an owner. */
    public static RunDirectory create(Path base) {
        ProcessHandle self = ProcessHandle.current();
        Path path = base.resolve(PREFIX + self.pid());
        Path staging = base.resolve(".staging-" + PREFIX + self.pid());
        try {
            Files.createDirectories(staging);
            Files.writeString(staging.resolve(OWNER_FILE),
                    self.pid() + " " + PidRegistry.startMillis(self).orElse(-1L), StandardCharsets.UTF_8);
            // a directory with our pid is left from a dead JVM that had the same pid
            deleteTree(path);
            Files.move(staging, path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker run directory " + path, e);
        }
        return new RunDirectory(base, path);
    }

    public Path path() {
        return path;
    }

    public Path pidFile() {
        return path.resolve(PID_FILE);
    }

    /** A sub-directory, created if missing. */
    public Path dir(String name) {
        Path dir = path.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return dir;
    }

    /** Run directories of JVMs that no longer run, newest first. */
    public List<Path> staleRuns() {
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> runs = Files.list(base)) {
            runs.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .filter(p -> !p.equals(path))
                    .filter(p -> !ownerAlive(p))
                    .sorted(Comparator.comparing(RunDirectory::lastModified).reversed())
                    .forEach(stale::add);
        } catch (IOException e) {
            // nothing to clean
        }
        return stale;
    }

    private static boolean ownerAlive(Path run) {
        try {
            String[] owner = Files.readString(run.resolve(OWNER_FILE), StandardCharsets.UTF_8).trim().split(" ");
            return PidRegistry.isAlive(Long.parseLong(owner[0]), Long.parseLong(owner[1]));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0L;
        }
    }

    /** Deletes a directory tree, best effort. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
