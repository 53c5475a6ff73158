package dev.keel.testbrokers.internal.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code redis-cli} against a node of the harness's cluster, so the harness needs no Redis client library. */
final class RedisCli {
    private static final long TIMEOUT_SECONDS = 30;

    private final Path executable;
    private final String host;

    RedisCli(Path executable, String host) {
        this.executable = executable;
        this.host = host;
    }

    /** The command's standard output; an {@link IllegalStateException} when it fails or times out. */
    String run(int port, String... args) {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "-h", host, "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        return exec(command);
    }

    /** {@code redis-cli --cluster create} over {@code ports}, one replica per master. */
    String createCluster(List<Integer> ports) {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--cluster", "create"));
        ports.forEach(p -> command.add(host + ":" + p));
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        return exec(command);
    }

    private static String exec(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-cli did not finish in " + TIMEOUT_SECONDS + " s: " + command);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("redis-cli failed (" + process.exitValue() + "): " + command + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli: " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running redis-cli", e);
        }
    }
}
