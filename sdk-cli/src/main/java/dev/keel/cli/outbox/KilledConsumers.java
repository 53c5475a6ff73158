package dev.keel.cli.outbox;

import dev.keel.cli.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inbox consumer of {@code verify --outbox --kill-9}: one child JVM at a time running
 * {@link ConsumerProcess}, killed with SIGKILL ({@link Process#destroyForcibly()}) once it has
 * committed a number of effects drawn from the seed, and replaced by a new one, as a supervisor
 * restarts a crashed service. Whatever the child had in flight (an open inbox transaction, an effect
 * committed but not acknowledged) is left as a real crash leaves it.
 */
final class KilledConsumers implements AutoCloseable {

    private final List<String> command;
    private final Map<String, String> environment;
    private final long[] targets;
    private final AtomicInteger kills = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final List<String> unexpected = new ArrayList<>();
    private final Thread killer;
    private volatile boolean stopping;
    private volatile Child live;

    /**
     * @param command     the child's command line, without {@code --report-every}
     * @param environment added to the child's environment (secrets, never on its command line)
     * @param kills       kills planned over the run
     * @param expected    effects the run should commit, to spread the kills over it
     */
    KilledConsumers(List<String> command, Map<String, String> environment, int kills, long expected, Random random) {
        long perChild = Math.max(2, expected / (kills + 1));
        long every = Math.max(1, perChild / 10);
        this.command = new ArrayList<>(command);
        this.command.add("--report-every");
        this.command.add(Long.toString(every));
        this.environment = Map.copyOf(environment);
        this.targets = new long[kills];
        for (int k = 0; k < kills; k++) {   // each child commits at least a few effects before its kill
            targets[k] = Math.max(every, perChild / 2 + (long) (random.nextDouble() * (perChild / 2 + 1)));
        }
        this.killer = new Thread(this::killAndRestart, "keel-verify-consumer-killer");
        this.killer.setDaemon(true);
    }

    void start() throws IOException {
        live = launch();
        killer.start();
    }

    private Child launch() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Path log = Files.createTempFile("keel-verify-consumer-", ".log");
        builder.redirectError(log.toFile());
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        Child child = new Child(ChildProcesses.start(builder), log, started.incrementAndGet());
        child.readOutput();
        return child;
    }

    private void killAndRestart() {
        try {
            for (long target : targets) {
                Child child = live;
                while (!stopping && child.applied < target && child.process.isAlive()) {
                    Thread.sleep(20);
                }
                if (stopping) {
                    return;
                }
                if (child.process.isAlive()) {
                    child.process.destroyForcibly();   // SIGKILL on Unix: no shutdown hook, no close
                    child.process.waitFor();
                    kills.incrementAndGet();
                } else {
                    noteUnexpectedExit(child);
                }
                child.cleanUp();
                live = launch();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            synchronized (unexpected) {
                unexpected.add("could not start a consumer process: " + e.getMessage());
            }
        }
    }

    private void noteUnexpectedExit(Child child) {
        synchronized (unexpected) {
            unexpected.add("consumer process " + child.number + " exited by itself with " + child.process.exitValue()
                    + ": " + child.logTail());
        }
    }

    int kills() {
        return kills.get();
    }

    int processes() {
        return started.get();
    }

    /** Consumer processes that ended without being killed, with the end of their log; empty normally. */
    List<String> unexpectedExits() {
        synchronized (unexpected) {
            return List.copyOf(unexpected);
        }
    }

    List<Checks.Row> rows() {
        return List.of(new Checks.Row("consumer kills", kills(), String.format(Locale.ROOT,
                "kill -9 of the inbox consumer process (a child JVM), each replaced; %d processes in all",
                processes())));
    }

    /**
     * Ends the live child normally: its input closes, it closes its subscription and exits (killed if it
     * does not within 30 s). Safe to call twice.
     */
    @Override
    public void close() {
        stopping = true;
        try {
            killer.join(TimeUnit.MINUTES.toMillis(1));
            Child child = live;
            if (child == null || child.ended) {
                return;
            }
            child.ended = true;
            try {
                child.process.getOutputStream().close();
            } catch (IOException e) {
                // already gone: waitFor below sees it
            }
            if (!child.process.waitFor(30, TimeUnit.SECONDS)) {
                child.process.destroyForcibly().waitFor();
            } else if (child.process.exitValue() != 0) {
                noteUnexpectedExit(child);
            }
            child.cleanUp();
        } catch (InterruptedException e) {
            Child child = live;
            if (child != null) {
                child.process.destroyForcibly();
            }
            Thread.currentThread().interrupt();
        }
    }

    /** One consumer process and what it printed. */
    private static final class Child {
        final Process process;
        final Path log;
        final int number;
        volatile long applied;
        volatile boolean ended;

        Child(Process process, Path log, int number) {
            this.process = process;
            this.log = log;
            this.number = number;
        }

        void readOutput() {
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (line.startsWith(ConsumerProcess.APPLIED)) {
                            applied = Long.parseLong(line.substring(ConsumerProcess.APPLIED.length()).trim());
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // the process was killed: its output ends here
                }
            }, "keel-verify-consumer-output-" + number);
            reader.setDaemon(true);
            reader.start();
        }

        String logTail() {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join(" | ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        void cleanUp() {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temporary file left behind
            }
        }
    }
}
