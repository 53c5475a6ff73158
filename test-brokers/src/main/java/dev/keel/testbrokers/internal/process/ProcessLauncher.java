package dev.keel.testbrokers.internal.process;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Starts child processes so that none outlives the test JVM: each runs under a tiny shell wrapper
 * that kills it (kill -9) as soon as the pipe to its parent closes, which happens when the JVM
 * exits for any reason, kill -9 included. Every pid is also recorded in the run's pid file.
 */
public final class ProcessLauncher {
    private static final int RECENT_LINES = 400;
    private static final Path SHELL = Path.of("/bin/sh");
    /**
     * fd 3 keeps the pipe from the JVM; the background subshell reads it until EOF (the JVM is
     * gone, or the harness closed it after a kill) and then kills $$, which after exec is the
     * program itself. The program gets /dev/null as stdin.
     */
    private static final String WATCHDOG = "exec 3<&0\n"
            + "( cat <&3 >/dev/null 2>&1; kill -9 $$ 2>/dev/null ) >/dev/null 2>&1 &\n"
            + "exec \"$@\" 3<&- </dev/null\n";

    private final PidRegistry pids;

    public ProcessLauncher(PidRegistry pids) {
        this.pids = pids;
    }

    public ManagedProcess launch(ProcessSpec spec) throws IOException {
        Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
        Files.createDirectories(spec.workingDirectory());
        ProcessBuilder builder = new ProcessBuilder(wrapped(spec))
                .directory(spec.workingDirectory().toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(spec.environment());
        BufferedWriter log = Files.newBufferedWriter(spec.logFile(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        log.write("=== " + Instant.now() + " starting " + spec.name() + ": " + spec.commandForLog());
        log.newLine();
        log.flush();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            log.close();
            throw e;
        }
        pids.record(process.toHandle(), spec.name());
        LineLog lines = new LineLog(RECENT_LINES, spec.keepAllLines());
        CompletableFuture<Void> outputEnded = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(process, log, lines, outputEnded), "keel-output-" + spec.name());
        pump.setDaemon(true);
        pump.start();
        return new ManagedProcess(spec.name(), process, lines, outputEnded, spec.logFile());
    }

    private static List<String> wrapped(ProcessSpec spec) {
        if (!Files.isExecutable(SHELL)) {
            return spec.command();
        }
        List<String> command = new ArrayList<>();
        command.add(SHELL.toString());
        command.add("-c");
        command.add(WATCHDOG);
        command.add("keel-" + spec.name());
        command.addAll(spec.command());
        return command;
    }

    private static void pump(Process process, BufferedWriter log, LineLog lines, CompletableFuture<Void> ended) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = log) {
            String line;
            while ((line = reader.readLine()) != null) {
                out.write(line);
                out.newLine();
                out.flush();
                lines.add(line);
            }
        } catch (IOException e) {
            // the stream closes when the process is killed
        } finally {
            lines.close();
            ended.complete(null);
        }
    }
}
