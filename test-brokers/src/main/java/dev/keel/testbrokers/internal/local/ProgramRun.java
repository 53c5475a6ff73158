package dev.keel.testbrokers.internal.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short program of a local database (its init, its command-line client) to its end: its output (standard error
 * too) when it exits with 0, else an {@link IllegalStateException} with the program's name, exit code and output.
 */
final class ProgramRun {
    private static final int TIMEOUT_SECONDS = 120;

    private ProgramRun() {
    }

    /**
     * Runs {@code command} in {@code dir}, writing {@code input} (null: nothing) to its standard input, which it then
     * closes; {@code name} names the program in messages (the command may start with a wrapper such as setpriv).
     */
    static String run(String name, Path dir, List<String> command, String input) {
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            try (OutputStream in = process.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            String output;
            try (InputStream out = process.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(name + " failed (" + process.exitValue() + "): " + output.trim());
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + name, e);
        }
    }
}
