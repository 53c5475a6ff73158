package dev.keel.cli.verify;

import dev.keel.cli.KeelCli;
import dev.keel.testbrokers.ForkedJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The {@code keel} command run as a user runs it: in a JVM of its own, with environment variables for secrets. */
final class KeelInItsOwnJvm {

    /** What a run printed, and its exit code. */
    record Result(int exitCode, String output) {
    }

    private KeelInItsOwnJvm() {
    }

    /** Runs {@code keel args...} in a JVM named {@code name} with {@code environment}, waiting up to {@code timeout}. */
    static Result run(String name, Map<String, String> environment, List<String> args, Duration timeout) {
        ForkedJvm.Builder builder = ForkedJvm.builder(KeelCli.class).name(name).args(args.toArray(String[]::new));
        environment.forEach(builder::environment);
        try (ForkedJvm keel = builder.start()) {
            int code = keel.awaitExit(timeout);
            return new Result(code, String.join("\n", keel.lines()));
        }
    }
}
