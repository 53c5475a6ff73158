package dev.keel.testbrokers.internal.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the JDK's {@code keytool}; its store passwords are given through the environment, never on a command line. */
final class Keytool {
    private static final long TIMEOUT_SECONDS = 120;
    private static final String PASSWORD_VARIABLE = "KEEL_KEYTOOL_PASSWORD";

    private final Path executable;
    private final String password;

    Keytool(String password) {
        this.executable = Path.of(System.getProperty("java.home"), "bin", "keytool");
        this.password = password;
    }

    /** {@code keytool <args>} with {@code -storepass:env} and {@code -keypass:env} added for the store it names. */
    void run(Path workDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(args);
        command.addAll(List.of("-storetype", "PKCS12", "-storepass:env", PASSWORD_VARIABLE, "-noprompt",
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto"));
        if (args.contains("-genkeypair")) {
            command.addAll(List.of("-keypass:env", PASSWORD_VARIABLE));
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
            builder.environment().put(PASSWORD_VARIABLE, password);
            Process process = builder.start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args.get(0) + " " + args.get(1) + " " + args.get(2) + " failed (" + process.exitValue()
                        + "): " + output.trim());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + executable + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }
}
