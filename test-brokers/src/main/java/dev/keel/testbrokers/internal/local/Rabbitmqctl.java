package dev.keel.testbrokers.internal.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code rabbitmqctl} commands against the local node with a deadline. */
final class Rabbitmqctl {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A command failed or timed out; the message holds its output (which never contains passwords here). */
    static final class CommandFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        CommandFailedException(String message) {
            super(message);
        }
    }

    private static final Path DEBIAN_SCRIPT = Path.of("/usr/lib/rabbitmq/bin/rabbitmqctl");

    private final Path executable;
    private final List<String> nodeArgs;
    private final Map<String, String> environment;

    private Rabbitmqctl(Path executable, List<String> nodeArgs, Map<String, String> environment) {
        this.executable = executable;
        this.nodeArgs = List.copyOf(nodeArgs);
        this.environment = Map.copyOf(environment);
    }

    /** For the machine's service: the {@code rabbitmqctl} on the PATH (on Debian a wrapper that runs as the rabbitmq user). */
    static Optional<Rabbitmqctl> forService() {
        return Executables.find("rabbitmqctl").map(p -> new Rabbitmqctl(p, List.of(), Map.of()));
    }

    /** For a node the harness started: the real script, with that node's name and environment (its Erlang cookie). */
    static Optional<Rabbitmqctl> forNode(String nodeName, Map<String, String> environment) {
        Optional<Path> script = Files.isExecutable(DEBIAN_SCRIPT) ? Optional.of(DEBIAN_SCRIPT) : Executables.find("rabbitmqctl");
        return script.map(p -> new Rabbitmqctl(p, List.of("-n", nodeName), environment));
    }

    /** Runs {@code rabbitmqctl -q <args>} and returns its output. */
    String run(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.add("-q");
        command.addAll(nodeArgs);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        String what = "rabbitmqctl " + String.join(" ", args);
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandFailedException(what + " did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            String text = output.get(5, TimeUnit.SECONDS).trim();
            if (process.exitValue() != 0) {
                throw new CommandFailedException(what + " failed with exit code " + process.exitValue() + ": " + text);
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new CommandFailedException(what + " was interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CommandFailedException(what + ": cannot read its output: " + e);
        }
    }
}
