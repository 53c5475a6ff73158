package dev.keel.testbrokers.internal.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to launch: a name for messages, the command, its working directory and extra environment,
 * where its output goes, whether to keep every output line in memory (else only the recent ones),
 * and how the command appears in the log (arguments may hold credentials, so callers choose).
 */
public record ProcessSpec(String name, List<String> command, Path workingDirectory, Map<String, String> environment,
                          Path logFile, boolean keepAllLines, String commandForLog) {
    public ProcessSpec {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(logFile, "logFile");
        Objects.requireNonNull(commandForLog, "commandForLog");
    }

    /** A broker process whose command holds no secrets: logged in full. */
    public static ProcessSpec broker(String name, List<String> command, Path workingDirectory,
                                     Map<String, String> environment, Path logFile) {
        return new ProcessSpec(name, command, workingDirectory, environment, logFile, false, String.join(" ", command));
    }
}
