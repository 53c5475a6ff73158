package dev.keel.cli.bench;

import dev.keel.cli.EnvironmentException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CPU affinity of local processes (Linux): read from {@code /proc}, set with {@code taskset}
 * (util-linux) on every thread of a process.
 */
final class Affinity {

    static final String TASKSET = "taskset";
    private static final Path PROC = Path.of("/proc");
    private static final long TASKSET_TIMEOUT_SECONDS = 10;

    private Affinity() {
    }

    /** Whether {@code pid} is a process of this host (this PID namespace). */
    static boolean exists(long pid) {
        return pid > 0 && Files.isDirectory(PROC.resolve(Long.toString(pid)));
    }

    /** The process's command name ({@code /proc/<pid>/comm}). */
    static String command(long pid) throws IOException {
        return Files.readString(PROC.resolve(pid + "/comm"), StandardCharsets.UTF_8).strip();
    }

    /** Its command line, arguments separated by spaces ({@code /proc/<pid>/cmdline}). */
    static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(PROC.resolve(pid + "/cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ').strip();
    }

    /** The CPUs the process (its main thread) may run on. */
    static CpuList of(long pid) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(pid + "/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return CpuList.parse(line.substring(line.indexOf(':') + 1));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new EnvironmentException("cannot read the CPU affinity of process " + pid + " from /proc: "
                    + e.getMessage(), e);
        }
        throw new EnvironmentException("/proc/" + pid + "/status has no Cpus_allowed_list: not a Linux kernel that "
                + "keel can pin processes on");
    }

    /** Whether {@code taskset} is in one of the directories of {@code path} (a PATH value). */
    static boolean tasksetOn(String path) {
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, TASKSET))) {
                return true;
            }
        }
        return false;
    }

    /** Pins every thread of {@code pid} to {@code cpus}: {@code taskset -a -cp <cpus> <pid>}. */
    static void pinAllThreads(long pid, CpuList cpus) {
        List<String> command = List.of(TASKSET, "-a", "-cp", cpus.toString(), Long.toString(pid));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TASKSET_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new EnvironmentException(String.join(" ", command) + " did not finish within "
                        + TASKSET_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new EnvironmentException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                        + output + (output.contains("not permitted") ? ". Pinning another user's process needs "
                        + "that user or root." : ""));
            }
        } catch (IOException e) {
            throw new EnvironmentException("cannot run " + TASKSET + " (" + e.getMessage() + "): install util-linux",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
