package dev.keel.testbrokers.internal.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to launch: a name for messages, the command, its working directory and extra environment,
 * where its output goes, and whether to keep every output line in memory (else only the recent ones).
 */
public record ProcessSpec(String name, List<String> command, Path workingDirectory, Map<String, String> environment,
                          Path logFile, boolean keepAllLines) {
    public ProcessSpec {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(logFile, "logFile");
    }
}
