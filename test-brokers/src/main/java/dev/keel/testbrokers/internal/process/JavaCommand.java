package dev.keel.testbrokers.internal.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Command lines for child JVMs: the running JVM's own {@code java}, and the class path passed in an
 * {@code @argfile} so that long class paths fit and {@code ps} stays readable.
 */
public final class JavaCommand {

    private JavaCommand() {
    }

    /** The {@code java} launcher of the running JVM. */
    public static String javaExecutable() {
        Optional<String> command = ProcessHandle.current().info().command();
        if (command.isPresent() && Path.of(command.get()).getFileName().toString().startsWith("java")
                && Files.isExecutable(Path.of(command.get()))) {
            return command.get();
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static List<String> command(Path argFile, String classpath, List<String> jvmOptions,
                                       String mainClass, List<String> args) throws IOException {
        Path parent = argFile.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        // written beside it and moved in place: a JVM of the same broker that starts meanwhile (RocketMQ's name server
        // beside its broker) reads the old file or the new one, never one cut short by the write
        Path written = Files.createTempFile(parent, argFile.getFileName().toString(), ".tmp");
        try {
            Files.writeString(written, "-cp \"" + classpath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n",
                    StandardCharsets.UTF_8);
            Files.move(written, argFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(written);
        }
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("@" + argFile.toAbsolutePath());
        command.addAll(jvmOptions);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /** Splits JVM options given as one string on blanks. */
    public static List<String> splitOptions(String options) {
        List<String> result = new ArrayList<>();
        for (String option : options.trim().split("\\s+")) {
            if (!option.isEmpty()) {
                result.add(option);
            }
        }
        return result;
    }
}
