package dev.keel.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The child processes a command started (bench's consumer JVMs, the outbox check's producer and consumer processes),
 * so that a stop by a signal ends them first ({@link StopOnSignal}): a thread reading a child's output cannot be
 * interrupted, only the child's end wakes it, and a child left running outlives its command (the eighth review found
 * bench's {@code MemoryProbe} consuming on with parent PID 1, its command's cleanup never run). Start a child through
 * {@link #start}; it is forgotten when it exits.
 */
public final class ChildProcesses {

    /** How long a stop waits for the children it killed to be gone. */
    static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean stopping;

    private ChildProcesses() {
    }

    /** Starts {@code builder}'s process and keeps it until it exits; during a stop it is killed at once. */
    public static Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
        if (stopping) { // read after the add: a stop either sees this child or is seen here
            kill(process);
        }
        return process;
    }

    /**
     * Kills every child still running, each with its descendants (SIGKILL), and waits a while until they are gone;
     * a child started after this is killed at once.
     */
    static void stopAll() {
        stopping = true;
        List<Process> children = List.copyOf(LIVE);
        children.forEach(ChildProcesses::kill);
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        for (Process child : children) {
            try {
                child.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                // killed with SIGKILL: nothing more to ask of it
            }
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
