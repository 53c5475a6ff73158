package dev.keel.testbrokers.internal.process;

import dev.keel.testbrokers.ProcessWaitException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A child process the harness started: its output (to a log file and to a {@link LineLog}),
 * awaiting lines and exit with deadlines, and kill -9.
 */
public final class ManagedProcess {
    private static final int TAIL_LINES = 60;
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final LineLog output;
    private final CompletableFuture<Void> outputEnded;
    private final Path logFile;

    ManagedProcess(String name, Process process, LineLog output, CompletableFuture<Void> outputEnded, Path logFile) {
        this.name = name;
        this.process = process;
        this.output = output;
        this.outputEnded = outputEnded;
        this.logFile = logFile;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Completes when the process has exited. */
    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    public Path logFile() {
        return logFile;
    }

    public List<String> lines() {
        return output.lines();
    }

    /**
     * Waits for the first output line (already printed or still to come) that matches.
     *
     * @throws ProcessWaitException when the process ends or the time runs out first
     */
    public String awaitLine(Predicate<String> predicate, String description, Duration timeout) {
        return await(output.firstMatching(predicate), description, timeout);
    }

    /** Like {@link #awaitLine} but ignores the lines printed before this call. */
    public String awaitNextLine(Predicate<String> predicate, String description, Duration timeout) {
        return await(output.nextMatching(predicate), description, timeout);
    }

    private String await(CompletableFuture<String> match, String description, Duration timeout) {
        try {
            CompletableFuture.anyOf(match, outputEnded).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ProcessWaitException(name + " printed no line " + description + " within " + timeout.toSeconds()
                    + " s" + tailMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessWaitException("interrupted while waiting for " + name, e);
        } catch (ExecutionException e) {
            throw new ProcessWaitException("failed waiting for " + name, e.getCause());
        }
        if (match.isDone()) {
            return match.join();
        }
        awaitExitQuietly();
        throw new ProcessWaitException(name + " ended (" + exitDescription() + ") before printing a line "
                + description + tailMessage());
    }

    /**
     * Waits for the process to exit and its output to be read.
     *
     * @return the exit code (137 after kill -9)
     * @throws ProcessWaitException when it still runs after the timeout
     */
    public int awaitExit(Duration timeout) {
        try {
            Process exited = process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            drainOutput();
            return exited.exitValue();
        } catch (TimeoutException e) {
            throw new ProcessWaitException(name + " (pid " + pid() + ") still runs after " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessWaitException("interrupted while waiting for " + name + " to exit", e);
        } catch (ExecutionException e) {
            throw new ProcessWaitException("failed waiting for " + name + " to exit", e.getCause());
        }
    }

    /** kill -9, then waits until the process is gone. Does nothing if it already exited. */
    public void kill(Duration timeout) {
        process.destroyForcibly();
        awaitExit(timeout);
        closeInput();
    }

    /**
     * SIGTERM: the process may run its shutdown hooks; does not wait. Through its handle, not
     * {@code Process.destroy()}, which also closes the pipes: that would end the watchdog's read
     * and so kill -9 the process, and lose what it prints while it stops.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Kill -9 without waiting; for shutdown hooks. */
    public void killNow() {
        process.destroyForcibly();
        closeInput();
    }

    private void closeInput() {
        try {
            // ends the parent-death watchdog that reads this pipe
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
    }

    private void drainOutput() {
        try {
            outputEnded.get(OUTPUT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // a grandchild may still hold the pipe; the lines read so far are what we have
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The output ends a moment before the exit is reaped; wait for it so the message shows the exit code. */
    private void awaitExitQuietly() {
        try {
            process.onExit().get(OUTPUT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still running with its output closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String exitDescription() {
        return process.isAlive() ? "its output closed" : "exit code " + process.exitValue();
    }

    /** The last lines of output, formatted for an error message. */
    public String tailMessage() {
        List<String> tail = output.tail(TAIL_LINES);
        if (tail.isEmpty()) {
            return "; it printed nothing (log: " + logFile + ")";
        }
        return "; last " + tail.size() + " lines of " + logFile + ":\n    " + String.join("\n    ", tail);
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + (isAlive() ? ", running)" : ", exited)");
    }
}
