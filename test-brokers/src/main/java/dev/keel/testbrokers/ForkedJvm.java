package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.process.JavaCommand;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A main class run in a separate JVM, with the test's class path, that a test can kill -9: for
 * example a consumer killed mid-batch. Its stdout and stderr lines are captured (interleaved, in
 * {@link #lines()} and a log file under the run directory) so a test can wait for a line such as
 * {@code processed 10}. The child dies with the test JVM, even when that one is killed.
 * <pre>{@code
 * try (ForkedJvm consumer = ForkedJvm.builder(ConsumerMain.class).args(kafka.bootstrapServers(), topic).start()) {
 *     consumer.awaitLineContaining("processed 10", Duration.ofSeconds(30));
 *     consumer.kill();
 * }
 * }</pre>
 */
public final class ForkedJvm implements AutoCloseable {
    private static final String DEFAULT_JVM_OPTIONS = "-Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true";
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final ManagedProcess process;

    private ForkedJvm(ManagedProcess process) {
        this.process = process;
    }

    public static Builder builder(Class<?> mainClass) {
        return new Builder(mainClass.getName());
    }

    public static Builder builder(String mainClassName) {
        return new Builder(mainClassName);
    }

    /** Starts {@code mainClass} with the arguments and the default options. */
    public static ForkedJvm start(Class<?> mainClass, String... args) {
        return builder(mainClass).args(args).start();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The lines printed so far. */
    public List<String> lines() {
        return process.lines();
    }

    public Path logFile() {
        return process.logFile();
    }

    /**
     * Waits for the first line, printed already or still to come, that matches.
     *
     * @throws ProcessWaitException when the JVM exits or the time runs out first
     */
    public String awaitLine(Predicate<String> predicate, Duration timeout) {
        return process.awaitLine(predicate, "matching the predicate", timeout);
    }

    /** Waits for the first line that contains {@code text}. */
    public String awaitLineContaining(String text, Duration timeout) {
        return process.awaitLine(line -> line.contains(text), "containing '" + text + "'", timeout);
    }

    /**
     * Waits for the JVM to exit.
     *
     * @return its exit code; 137 after {@link #kill()}
     */
    public int awaitExit(Duration timeout) {
        return process.awaitExit(timeout);
    }

    /** kill -9 (SIGKILL, no shutdown hooks run), then waits until the process is gone; returns the exit code. */
    public int kill() {
        process.kill(KILL_TIMEOUT);
        return process.awaitExit(KILL_TIMEOUT);
    }

    /**
     * SIGTERM, as a service manager stops a service: the JVM runs its shutdown hooks (a Spring
     * context closes gracefully), then exits. Waits until it exited; returns the exit code (143 when
     * it ended on the signal).
     *
     * @throws ProcessWaitException when it still runs after {@code timeout}
     */
    public int terminate(Duration timeout) {
        process.terminate();
        return process.awaitExit(timeout);
    }

    /** Kills the JVM if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.kill(KILL_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "ForkedJvm[" + process + "]";
    }

    /** Options of a forked JVM; {@link #start()} launches it. */
    public static final class Builder {
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>(JavaCommand.splitOptions(DEFAULT_JVM_OPTIONS));
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String classpath = System.getProperty("java.class.path");
        private String name;

        private Builder(String mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
            this.name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        }

        public Builder args(String... values) {
            args.addAll(List.of(values));
            return this;
        }

        /** Replaces the default JVM options ({@code -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true}). */
        public Builder jvmOptions(String... options) {
            jvmOptions.clear();
            jvmOptions.addAll(List.of(options));
            return this;
        }

        public Builder systemProperty(String key, String value) {
            systemProperties.put(key, value);
            return this;
        }

        public Builder environment(String key, String value) {
            environment.put(key, value);
            return this;
        }

        /** Replaces the class path; by default the test JVM's {@code java.class.path}. */
        public Builder classpath(String value) {
            classpath = Objects.requireNonNull(value, "classpath");
            return this;
        }

        /** Names the process in logs and file names; by default the main class's simple name. */
        public Builder name(String value) {
            name = Objects.requireNonNull(value, "name");
            return this;
        }

        public ForkedJvm start() {
            HarnessRuntime runtime = HarnessRuntime.get();
            String id = name + "-" + SEQUENCE.incrementAndGet();
            Path dir = runtime.run().dir("forked");
            List<String> options = new ArrayList<>(jvmOptions);
            systemProperties.forEach((k, v) -> options.add("-D" + k + "=" + v));
            try {
                List<String> command = JavaCommand.command(dir.resolve(id + ".argfile"), classpath, options, mainClass, args);
                ManagedProcess process = runtime.launcher().launch(
                        new ProcessSpec(id, command, Path.of(System.getProperty("user.dir")), environment,
                                dir.resolve(id + ".log"), true, mainClass + " (arguments not logged)"));
                runtime.atShutdown(process::killNow);
                return new ForkedJvm(process);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a JVM for " + mainClass, e);
            }
        }
    }
}
